using System.Diagnostics;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// Runs the real program with its stderr on a pseudo-terminal, as in an interactive shell, through util-linux
/// <c>script</c> (Debian's essential bsdutils). stdin comes from /dev/null and stdout goes to a file, so what the
/// terminal receives is stderr alone, byte for byte. The terminal turns "\n" into "\r\n" (onlcr).
/// </summary>
public static class Pty
{
    public sealed record Result(int ExitCode, byte[] Terminal, string Stdout)
    {
        public bool HasEscape => Terminal.Contains((byte)0x1b);

        /// <summary>A carriage return that does not end a line: the cursor went back to overwrite it.</summary>
        public bool HasOverwrite => Terminal.Select((b, i) => b == '\r' && (i + 1 == Terminal.Length || Terminal[i + 1] != '\n')).Any(x => x);

        public string Text => System.Text.Encoding.UTF8.GetString(Terminal);
    }

    /// <param name="environment">Variables to set (a null value removes one), e.g. TERM and NO_COLOR.</param>
    public static Result Run(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var program = CliProcess.StartInfo(workingDirectory, args);
        var stdoutFile = Path.Combine(Path.GetTempPath(), $"sp-pty-{Guid.NewGuid():N}.out");
        var command = "exec " + string.Join(' ', new[] { program.FileName }.Concat(program.ArgumentList).Select(Quote)) +
                      $" < /dev/null > {Quote(stdoutFile)}";
        var info = new ProcessStartInfo("script")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--quiet", "--return", "--command", command, "/dev/null" })
            info.ArgumentList.Add(arg);
        info.Environment.Clear();
        foreach (var (key, value) in program.Environment)
            info.Environment[key] = value;
        foreach (var (key, value) in environment)
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start script (util-linux)");
            using var terminal = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(terminal);
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"stream-pipeline {string.Join(' ', args)} under script did not finish in 3 minutes");
            }
            copy.Wait(TimeSpan.FromSeconds(30));
            return new Result(process.ExitCode, terminal.ToArray(), File.Exists(stdoutFile) ? File.ReadAllText(stdoutFile) : "");
        }
        finally
        {
            File.Delete(stdoutFile);
        }
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
