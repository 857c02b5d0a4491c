using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using StreamPipeline.Data;
using StreamPipeline.Models;
using StreamPipeline.Models.Interop;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline import-model</c>: a PyTorch state_dict or checkpoint (e.g. a robustness model) → our checkpoint.</summary>
public static class ImportModelCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("SRC")
        {
            Description = "PyTorch file: torch.save output, zip or legacy format (a state_dict, a dict with 'model' or 'state_dict', a robustness " +
                          "checkpoint with module./model./attacker./normalizer. keys) or safetensors.",
        };
        var arch = new Option<string>("--arch") { Description = $"Architecture of the weights: {string.Join(", ", ModelFactory.Architectures)}.", Required = true };
        var output = new Option<string>("--out") { Description = "Checkpoint path to write (the sidecar goes to PATH.json).", Required = true };
        var classes = new Option<int?>("--classes") { Description = "Number of classes (default: read off the classifier's weight)." };
        var shape = new Option<string?>("--input-shape")
        {
            Description = "Input image shape C,H,W (default: channels from conv1; 32x32 for resnet18/resnet50, 224x224 for " +
                          "resnet50-imagenet, the square that fits fc1 for small-cnn).",
        };
        var json = CommonOptions.Json();

        var command = new Command("import-model", "Import PyTorch weights (e.g. a robustness library checkpoint) as a checkpoint build, train and evaluate can use.")
        {
            source, arch, output, classes, shape, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(_ =>
        {
            var request = new ImportRequest(parse.GetValue(source)!, parse.GetValue(arch)!, parse.GetValue(output)!,
                parse.GetValue(classes), ParseShape(parse.GetValue(shape)));
            var result = PyTorchCheckpoint.Import(request, note => Console.Error.WriteLine($"import-model: {note}"));
            var info = result.Checkpoint;
            Console.Error.WriteLine(
                $"import-model: wrote {request.Output}: {info.Architecture}, {info.InputShape} images, {info.Classes} classes, " +
                $"{result.Tensors} tensors from {info.ImportedFrom!.Layout} (sha256 {info.WeightsSha256[..12]}…)");
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    checkpoint = request.Output,
                    architecture = info.Architecture,
                    input_shape = new[] { info.InputShape.Channels, info.InputShape.Height, info.InputShape.Width },
                    classes = info.Classes,
                    mean = info.Mean,
                    std = info.Std,
                    tensors = result.Tensors,
                    source_sha256 = info.ImportedFrom.Sha256,
                    layout = info.ImportedFrom.Layout,
                }));
            }
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }

    private static ImageShape? ParseShape(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', 'x');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0))
            throw new UsageException($"--input-shape must be C,H,W with positive integers, got '{InputText.Show(text)}'");
        var v = parts.Select(p => int.Parse(p.Trim(), CultureInfo.InvariantCulture)).ToArray();
        return new ImageShape(v[0], v[1], v[2]);
    }
}
