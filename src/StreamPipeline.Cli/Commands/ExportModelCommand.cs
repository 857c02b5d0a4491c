using System.CommandLine;
using System.Text.Json;
using StreamPipeline.Models.Interop;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline export-model</c>: our checkpoint → a PyTorch state_dict (or safetensors).</summary>
public static class ExportModelCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("CKPT") { Description = "Checkpoint to export (written by train or import-model)." };
        var output = new Option<string>("--out")
        {
            Description = "File to write: a state_dict for torch.load and load_state_dict(strict=True) into the module of the same name in " +
                          "scripts/torch_models.py; safetensors when the name ends in .safetensors.",
            Required = true,
        };
        var json = CommonOptions.Json();

        var command = new Command("export-model", "Export a checkpoint's weights as a PyTorch state_dict (torch.save format) or safetensors.")
        {
            checkpoint, output, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(_ =>
        {
            var result = PyTorchCheckpoint.Export(parse.GetValue(checkpoint)!, parse.GetValue(output)!);
            Console.Error.WriteLine($"export-model: wrote {result.Path} ({result.Format}, {result.Tensors} tensors, sha256 {result.Sha256[..12]}…)");
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    path = result.Path,
                    format = result.Format.ToString().ToLowerInvariant(),
                    tensors = result.Tensors,
                    sha256 = result.Sha256,
                }));
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }
}
