using System.CommandLine;
using StreamPipeline.Data;
using TorchSharp;

namespace StreamPipeline.Cli.Commands;

/// <summary>Options shared by several commands, declared once so their names and help stay identical.</summary>
public static class CommonOptions
{
    public static Option<string> DataRoot() => new("--data-root")
    {
        Description = $"Root folder of fashion-mnist: references (default {KnownDatasets.FashionMnist.DefaultRoot}).",
    };

    public static Option<long?> Limit() => new("--limit")
    {
        Description = "Keep only the first N examples of the dataset.",
    };

    /// <summary>
    /// The device option, spelt --devices on every command (--device is accepted as the same option): train and
    /// evaluate use one device, build, worker and bench one worker per entry of a list.
    /// </summary>
    public static Option<string> Devices(string description) => new("--devices", "--device")
    {
        Description = description,
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>As <see cref="Devices(string)"/> without a default: unset means "take it from the spec".</summary>
    public static Option<string?> DevicesOrSpec(string description) => new("--devices", "--device") { Description = description };

    /// <summary>The device of a one-device command (train, evaluate).</summary>
    public static Option<string> Device() => Devices("Device: auto (CUDA if available, else CPU), cpu, cuda or cuda:N.");

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "CPU threads for TorchSharp (default: all cores).",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON object with the results on stdout (human text goes to stderr).",
    };

    public static Option<bool> Quiet() => new("--quiet", "-q")
    {
        Description = "No live view or progress lines on stderr; what runs, warnings, errors and the summary still appear.",
    };

    public static IImageDataset OpenData(string reference, string? dataRoot, long? limit) =>
        DatasetReference.Open(reference, new DatasetOptions(dataRoot, limit));

    /// <summary>TorchSharp's CPU threads from --threads, else from STREAM_PIPELINE_THREADS when set (null: neither); checked.</summary>
    public static int? Threads(int? threads)
    {
        if (threads is null && int.TryParse(Environment.GetEnvironmentVariable("STREAM_PIPELINE_THREADS"), out var fromEnvironment))
            threads = fromEnvironment;
        if (threads is < 1) throw new UsageException($"--threads must be at least 1, got {threads}");
        return threads;
    }

    /// <summary>Sets TorchSharp's CPU threads from <see cref="Threads"/> (this loads libtorch; a coordinator does not call it).</summary>
    public static void ApplyThreads(int? threads)
    {
        if (Threads(threads) is { } n)
            torch.set_num_threads(n);
    }
}
