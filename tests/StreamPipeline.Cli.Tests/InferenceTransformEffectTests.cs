namespace StreamPipeline.Cli.Tests;

/// <summary>
/// What the attack's model transforms change inside libtorch, read from oneDNN's own log of every primitive it runs
/// (<c>ONEDNN_VERBOSE=1</c>) while the real program attacks a ResNet-18 with bench's bare loop and its pipeline (the
/// build's own device workers). The primitives one more PGD step adds — a run with 2 steps against one with 1 — are
/// the attack loop's: with the transforms (the default) every convolution there runs channels_last (NHWC, oneDNN's
/// <c>acdb</c>) on both sides, every forward one carries the folded batch-norm as its bias (ResNet-18's convolutions
/// have none of their own), and no activation is reordered; without them the same steps reorder activations to and
/// from oneDNN's blocked layout around each convolution.
/// </summary>
public sealed class InferenceTransformEffectTests : IDisposable
{
    // No channel count or weight dimension of ResNet-18 is 5: a primitive whose dims start with it is about activations.
    private const int Batch = 5;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Attack_steps_run_every_convolution_channels_last_with_its_batch_norm_folded_and_reorder_no_activation()
    {
        var perStep = PrimitivesPerStep(transforms: null);

        var convolutions = perStep.Where(p => p.Kind == "convolution").ToList();
        Assert.NotEmpty(convolutions);
        Assert.All(convolutions, c => Assert.True(c.Source == "acdb" && c.Destination == "acdb", $"not channels_last: {c.Line}"));
        var forward = convolutions.Where(c => c.Propagation.StartsWith("forward", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(forward);
        Assert.All(forward, c => Assert.True(c.HasBias, $"no folded bias: {c.Line}"));
        Assert.Contains(convolutions, c => c.Propagation == "backward_data");
        Assert.DoesNotContain(perStep, p => p.Kind == "reorder" && p.Dims.StartsWith($"{Batch}x", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_the_transforms_the_same_steps_reorder_activations_around_unbiased_blocked_convolutions()
    {
        // The check above can fail: this is what it sees on the model as trained.
        var perStep = PrimitivesPerStep(transforms: "none");

        Assert.Contains(perStep, p => p.Kind == "reorder" && p.Dims.StartsWith($"{Batch}x", StringComparison.Ordinal));
        Assert.Contains(perStep, p => p.Kind == "convolution" && p.Source != "acdb");
        Assert.Contains(perStep, p => p.Kind == "convolution" && p.Propagation.StartsWith("forward", StringComparison.Ordinal) && !p.HasBias);
    }

    /// <summary>The primitives (each distinct kind, layout and shape) that run more often with 2 PGD steps than with 1.</summary>
    private List<Primitive> PrimitivesPerStep(string? transforms)
    {
        var one = Run(1, transforms);
        var two = Run(2, transforms);
        return [.. two.Where(p => p.Value > one.GetValueOrDefault(p.Key)).Select(p => Primitive.Parse(p.Key))];
    }

    private Dictionary<string, int> Run(int steps, string? transforms)
    {
        string[] args =
        [
            "bench", "--quiet", "--model", "resnet18", "--limit", $"{Batch}", "--batch-size", $"{Batch}", "--steps", $"{steps}", "--repeat", "1",
            "--mode", "sequential", "--threads", "1", .. transforms is null ? Array.Empty<string>() : ["--transforms", transforms],
        ];
        var result = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(5), new Dictionary<string, string> { ["ONEDNN_VERBOSE"] = "1" }, args);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in result.Stdout.Split('\n'))
        {
            var fields = line.Trim().Split(',');
            // onednn_verbose,v1,primitive,exec,cpu,KIND,IMPL,PROP,MEMORY,ATTRS,ALG,DIMS,MS
            if (fields.Length < 13 || fields[0] != "onednn_verbose" || fields[3] != "exec") continue;
            var key = string.Join(',', fields[5..12]);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.True(counts.Count > 0, $"oneDNN logged nothing (ONEDNN_VERBOSE=1): {result.Stdout[..Math.Min(500, result.Stdout.Length)]}");
        return counts;
    }

    private sealed record Primitive(string Kind, string Propagation, string Source, string Destination, bool HasBias, string Dims, string Line)
    {
        /// <summary>Fields 5..11 of a verbose line: kind, implementation, propagation, memory descriptors, attributes, algorithm, dims.</summary>
        public static Primitive Parse(string key)
        {
            var fields = key.Split(',');
            var memory = fields[3].Split(' ').ToDictionary(m => m[..m.IndexOf(':')], m => m.Split(':'));
            // A descriptor reads NAME:TYPE:FLAGS:blocked:FORMAT:...; bia:undef::... when there is no bias.
            return new Primitive(fields[0], fields[2], memory["src"][4], memory["dst"][4],
                memory.TryGetValue("bia", out var bias) && bias[1] != "undef", fields[6], key);
        }
    }
}
