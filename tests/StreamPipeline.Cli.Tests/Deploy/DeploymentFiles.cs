using System.CommandLine;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// The files that start the program somewhere else than a shell prompt — compose files, Kubernetes manifests, Slurm
/// batch scripts and other scripts under deploy/ — and the program's command lines in them, each read with the
/// program's own parser (StreamPipelineCommand), so a renamed or misspelt flag fails a test, not a deployment.
/// </summary>
public static class DeploymentFiles
{
    public static IReadOnlyList<string> ComposeFiles { get; } = ["docker/compose.yaml", "docker/observability/compose.yaml"];

    public static IReadOnlyList<string> KubernetesFiles => Under("deploy/kubernetes", "*.yaml", recursive: false);

    /// <summary>deploy/slurm/*.sbatch and every deploy/**/*.sh (read by <see cref="ShellInvocations"/>'s convention).</summary>
    public static IReadOnlyList<string> ShellFiles => [.. Under("deploy/slurm", "*.sbatch", recursive: false), .. Under("deploy", "*.sh", recursive: true)];

    public static IReadOnlyList<string> All => [.. ComposeFiles, .. KubernetesFiles, .. ShellFiles];

    public static string Read(string file) => File.ReadAllText(Path.Combine(RepositoryRoot.Path, file));

    /// <summary>The program's command lines in <paramref name="text"/>, read as the kind of file <paramref name="file"/> is.</summary>
    public static IReadOnlyList<ProgramInvocation> Invocations(string file, string text)
    {
        if (ComposeFiles.Contains(file))
            return ComposeFile.Parse(file, text).Invocations().ToList();
        if (file.StartsWith("deploy/kubernetes/", StringComparison.Ordinal))
            return KubernetesManifests.Load([(file, text)]).Invocations().ToList();
        if (file.EndsWith(".sbatch", StringComparison.Ordinal) || file.EndsWith(".sh", StringComparison.Ordinal))
            return ShellInvocations.Read(file, text);
        throw new ArgumentException($"{file}: not a deployment file this test reads");
    }

    /// <summary>What the program's parser says about the command line (nothing when it would run).</summary>
    public static IReadOnlyList<string> ParseErrors(ProgramInvocation invocation)
    {
        RootCommand root = StreamPipelineCommand.Create();
        return root.Parse(StreamPipelineCommand.Normalize([.. invocation.Args])).Errors.Select(e => e.Message).ToList();
    }

    /// <summary>The value after <paramref name="option"/> (the command line has parsed), or null.</summary>
    public static string? Option(ProgramInvocation invocation, string option)
    {
        var args = invocation.Args;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == option && i + 1 < args.Count) return args[i + 1];
            if (args[i].StartsWith(option + "=", StringComparison.Ordinal)) return args[i][(option.Length + 1)..];
        }
        return null;
    }

    private static IReadOnlyList<string> Under(string folder, string pattern, bool recursive)
    {
        var full = Path.Combine(RepositoryRoot.Path, folder);
        if (!Directory.Exists(full)) return [];
        return Directory.GetFiles(full, pattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
