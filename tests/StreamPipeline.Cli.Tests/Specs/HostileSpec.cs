namespace StreamPipeline.Cli.Tests.Specs;

/// <summary>
/// A hostile HOCON spec as a hostile user writes it: the main file's text (with <c>MAIN</c> standing for the main
/// file's own name, so a file can include itself back) plus the other files it includes, and a word the refusal
/// must contain.
/// </summary>
public sealed record HostileSpec(string Name, string Text, string MustMention, params (string File, string Text)[] Others)
{
    /// <summary>The cases every reader of spec HOCON must refuse with one line (the lead's issue 10, class 4).</summary>
    public static IReadOnlyList<HostileSpec> All { get; } =
    [
        // Real setting names (of a job spec and of an experiment spec), so the loaders do read the values.
        new("substitution-cycle", "seed = ${max-retries}\nmax-retries = ${seed}\nexperiment { seed = ${experiment.batch-size}, batch-size = ${experiment.seed} }\n", "cycle"),
        // Balanced, so only a depth bound stops it: Akka's recursive parser overflows the stack on it (exit 134).
        new("deep-object-nesting", string.Concat(Enumerable.Repeat("a{", 100_000)) + new string('}', 100_000) + "\n", "deeper than"),
        new("deep-list-nesting", "a = " + new string('[', 100_000) + new string(']', 100_000) + "\n", "deeper than"),
        new("unclosed-brace", "attack {\n  eps = 0.5\n", "never closed"),
        new("trailing-brackets", "seed = 1 }}} ]]\n", "without a matching"),
        new("missing-include", "include \"missing.conf\"\n", "missing.conf"),
        new("looping-include", "include \"loop.conf\"\n", "include loop", ("loop.conf", "include \"MAIN\"\n")),
    ];

    public static TheoryData<string> Names() => new(All.Select(c => c.Name));

    public static HostileSpec Named(string name) => All.Single(c => c.Name == name);

    /// <summary>Writes the case into <paramref name="directory"/> with the main file named <paramref name="mainFile"/>; returns its path.</summary>
    public string WriteTo(string directory, string mainFile)
    {
        Directory.CreateDirectory(directory);
        foreach (var (file, text) in Others)
            File.WriteAllText(Path.Combine(directory, file), text.Replace("MAIN", mainFile, StringComparison.Ordinal));
        var main = Path.Combine(directory, mainFile);
        File.WriteAllText(main, Text.Replace("MAIN", mainFile, StringComparison.Ordinal));
        return main;
    }

    /// <summary>Exit code 2 and exactly one line on stderr: an error naming <paramref name="file"/> and the problem.</summary>
    public static string AssertRefusedInOneLine(CliProcess.Result result, string file, string mustMention)
    {
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, stderr starts: {Head(result.Stderr)}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(Path.GetFileName(file), line);
        Assert.Contains(mustMention, line);
        Assert.Equal("", result.Stdout.Trim());
        return line;
    }

    private static string Head(string text) => text.Length <= 2000 ? text : text[..2000] + " ...";
}
