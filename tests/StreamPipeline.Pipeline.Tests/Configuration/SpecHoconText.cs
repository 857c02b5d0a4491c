using StreamPipeline.Configuration;

namespace StreamPipeline.Pipeline.Tests.Configuration;

/// <summary>Helpers of the SpecHocon tests: the repository root, and the assertion every refusal must meet.</summary>
public static class SpecHoconText
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>
    /// Parsing <paramref name="text"/> as <paramref name="file"/> is refused with one line, <c>spec FILE: ...</c>,
    /// that contains every one of <paramref name="mustContain"/>; returns the line.
    /// </summary>
    public static string Refusal(string text, string file, params string[] mustContain) =>
        AssertOneLine(Assert.Throws<ArgumentException>(() => SpecHocon.Parse(text, file)), file, mustContain);

    public static string AssertOneLine(ArgumentException error, string file, params string[] mustContain)
    {
        var message = error.Message;
        // SpecHocon says "spec FILE: ..."; a loader says which spec ("job spec FILE: ...").
        Assert.Matches($"^([a-z]+ )?spec {System.Text.RegularExpressions.Regex.Escape(file)}: ", message);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\r', message);
        Assert.True(message.Length < 400, $"a message of {message.Length} characters: {message[..Math.Min(200, message.Length)]}...");
        foreach (var part in mustContain)
            Assert.Contains(part, message);
        return message;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StreamPipeline.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("StreamPipeline.sln not found above " + AppContext.BaseDirectory);
    }
}
