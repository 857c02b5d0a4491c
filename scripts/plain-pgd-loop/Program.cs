// The plainest PGD loop we know, beside the loop bench calls "bare" (the D_det construction as a device worker runs it),
// on the same model, images, steps and thread. Run by scripts/plain-vs-bare.sh, which pins two of these side by side.
//   PlainPgdLoop LOOP ARCH BATCH STEPS BATCHES ROUNDS TRANSFORMS
//   LOOP: plain (x.requires_grad, forward, cross-entropy, autograd.grad, L2 step and projection; nothing else)
//         | construction (Constructions.Create(det).Apply: what bench's bare loop and build's device workers run)
// Prints one line per round: img-PGD-steps per processor-second and per wall-second, minor page faults per step.
using System.Diagnostics;
using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Data.Constructions;
using StreamPipeline.Models;
using TorchSharp;
using static TorchSharp.torch;

if (args.Length != 7 || args[0] is not ("plain" or "construction"))
{
    Console.Error.WriteLine("usage: PlainPgdLoop plain|construction ARCH BATCH STEPS BATCHES ROUNDS TRANSFORMS(all|none|fold-bn|channels-last)");
    return 2;
}
var (loop, arch) = (args[0], args[1]);
int batch = int.Parse(args[2]), steps = int.Parse(args[3]), batches = int.Parse(args[4]), rounds = int.Parse(args[5]);
var transforms = InferenceTransforms.Parse(args[6]) ?? throw new ArgumentException($"transforms: {args[6]}");

// On a thread of its own with one torch thread, as bench's bare loop and build's device workers run.
void Body()
{
    torch.set_num_threads(1);
    var shape = arch == SmallCnn.ArchitectureName ? KnownDatasets.FashionMnist.Shape : KnownDatasets.Cifar10.Shape;
    manual_seed(0);
    using var model = ModelFactory.Create(arch, shape, 10);
    model.PrepareForInference(transforms);
    var random = new Random(1);
    var pixels = new float[batch * shape.Size];
    for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
    var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
    var request = new PerturbRequest(new ImageBatch(Enumerable.Range(0, batch).Select(i => (long)i).ToArray(), labels, pixels, shape));
    var construction = Constructions.Create(new ConstructionSettings(ConstructionKind.Det, new AttackSettings(ThreatModel.L2, 2.0, 0.3, steps), 0));
    var step = new L2Step(2f, 0.3f);

    void Plain()
    {
        using var scope = NewDisposeScope();
        var x0 = tensor(pixels, [batch, shape.Channels, shape.Height, shape.Width]);
        var targets = tensor(labels.Select(l => (long)((l + 1) % 10)).ToArray());
        var x = x0.clone();
        for (var s = 0; s < steps; s++)
        {
            using var iteration = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            var loss = nn.functional.cross_entropy(model.forward(xi), targets, reduction: nn.Reduction.None);
            var g = torch.autograd.grad([loss.sum()], [xi])[0];
            Tensor next;
            using (no_grad()) next = step.Project(step.Step(x, -g), x0);
            x = iteration.MoveToOuter(next);
        }
    }

    void Once()
    {
        if (loop == "plain") Plain();
        else construction.Apply(model, request, CPU);
    }

    Once(); // warm-up: one full batch, as bench's device threads
    for (var r = 1; r <= rounds; r++)
    {
        var (faults0, cpu0) = Stat();
        var start = Stopwatch.GetTimestamp();
        for (var b = 0; b < batches; b++) Once();
        var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var (faults1, cpu1) = Stat();
        var work = (double)batch * steps * batches;
        Console.WriteLine($"{loop} {arch} transforms {args[6]} batch {batch} round {r}: {work / (cpu1 - cpu0):F1} img-PGD-steps per processor-second, " +
                          $"{work / wall:F1} per wall-second, {(faults1 - faults0) / (double)(steps * batches):F0} minor faults per step");
    }
}
// PLAIN_THREAD=main runs the loop on the process's main thread instead (glibc's main arena, which has no 64 MiB heap limit).
if (Environment.GetEnvironmentVariable("PLAIN_THREAD") == "main") Body();
else
{
    var worker = new Thread(Body);
    worker.Start();
    worker.Join();
}
return 0;

// Minor faults and user + system processor seconds of the process so far (/proc/self/stat).
static (long Faults, double Cpu) Stat()
{
    var stat = File.ReadAllText("/proc/self/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[7]), (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0);
}
