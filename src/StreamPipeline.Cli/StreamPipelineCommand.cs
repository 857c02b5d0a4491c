using System.CommandLine;
using StreamPipeline.Cli.Commands;

namespace StreamPipeline.Cli;

/// <summary>
/// The <c>stream-pipeline</c> command line: every command and option. Program.cs runs it; tests parse deployment files'
/// command lines with it (a renamed flag then fails a test, not a cluster).
/// </summary>
public static class StreamPipelineCommand
{
    public static RootCommand Create() => new(
        "StreamPipeline: build the datasets of 'Adversarial Examples Are Not Bugs, They Are Features' " +
        "as resumable, observable streaming jobs, and train and evaluate models on them.")
    {
        TrainCommand.Create(),
        EvaluateCommand.Create(),
        BuildCommand.Create(),
        InspectCommand.Create(),
        ExperimentCommand.Create(),
        BenchCommand.Create(),
        BenchCommand.CreatePhase(),
        WorkerCommand.Create(),
        ClusterCertCommand.Create(),
        SimulateClusterCommand.Create(),
        ImportModelCommand.Create(),
        ExportModelCommand.Create(),
    };

    /// <summary>
    /// The arguments as the program reads them: <c>help [COMMAND]</c> is <c>[COMMAND] --help</c>, as git, docker and
    /// dotnet have it.
    /// </summary>
    public static string[] Normalize(string[] args) => args is ["help", .. var helped] ? [.. helped, "--help"] : args;
}
