using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using StreamPipeline.Cli.Tests.Build;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// The build's live view in a real terminal: Debian's tmux at 80×24 and 132×40, its screen captured every 100 ms while
/// a build runs. Every frame must be the view and nothing else — one headline, one status line, the stage table — each
/// line within the terminal's width, with no fragment of an earlier frame left over; and images/s must be above 0
/// before the first shard is committed.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed partial class LiveViewTmuxTests(TinyModelFixture fixture)
{
    private static readonly string[] StageNames = ["load", "perturb", "relabel", "persist"];

    [GeneratedRegex(@"^build (\d+\.\d)% ([\d,]+)/([\d,]+) img, ([\d.,]+) img/s, eta (--:--|[\d:]+), elapsed [\d:]+$")]
    private static partial Regex Headline();

    [GeneratedRegex(@"^shards (\d+)/(\d+) committed, attack success (--|\d+\.\d%), cpu busy \d+\.\d%, retries \d+, splits \d+$")]
    private static partial Regex Status();

    [GeneratedRegex(@"^(load|perturb|relabel|persist) +[\d.,]+ +[\d,]+ +\d+\.\d{3} +\d+$")]
    private static partial Regex StageRow();

    private static string Tmux(string socket, params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(socket);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [Theory]
    [InlineData(80, 24)]
    [InlineData(132, 40)]
    public void Every_frame_fits_the_terminal_holds_no_stale_fragment_and_shows_a_rate_before_the_first_commit(int width, int height)
    {
        Assert.True(File.Exists("/usr/bin/tmux"), "/usr/bin/tmux not found: install Debian's tmux (scripts/install-packages.sh test)");
        var jobDir = fixture.NewJobDirectory($"tmux-{width}");
        // 640 images in shards of 128, batches of 16 at 150 steps: a shard takes several frames to commit.
        var build = DetBuild.Of(fixture) with { Limit = TinyModelFixture.SourceCount, ShardSize = 128, BatchSize = 16, Steps = 150 };
        var program = CliProcess.StartInfo(fixture.Root, build.Command(jobDir));
        var environment = string.Join(' ', program.Environment.Where(e => e.Key is "OMP_NUM_THREADS" or "STREAM_PIPELINE_THREADS" or "PATH" or "HOME" or "DOTNET_ROOT")
            .Select(e => $"{e.Key}={Quote(e.Value ?? "")}"));
        var command = $"cd {Quote(fixture.Root)} && env -u NO_COLOR {environment} {Quote(program.FileName)} " +
                      string.Join(' ', program.ArgumentList.Select(Quote)) + "; echo \"EXIT=$?\"; sleep 600";
        var socket = $"sp-test-{Guid.NewGuid():N}";
        Tmux(socket, "new-session", "-d", "-s", "view", "-x", width.ToString(CultureInfo.InvariantCulture), "-y",
            height.ToString(CultureInfo.InvariantCulture), command);
        var frames = new List<string>();
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(3))
            {
                var frame = Tmux(socket, "capture-pane", "-p", "-J", "-t", "view");
                frames.Add(frame);
                if (frame.Contains("EXIT=", StringComparison.Ordinal))
                    break;
                Thread.Sleep(100);
            }
        }
        finally
        {
            Tmux(socket, "kill-server");
        }

        var last = frames[^1];
        Assert.True(last.Contains("EXIT=0", StringComparison.Ordinal), $"the build did not end with exit 0 within 3 minutes:\n{last}");
        var viewFrames = frames.Where(f => f.Split('\n').Any(l => Headline().IsMatch(l.TrimEnd()))).ToList();
        Assert.True(viewFrames.Count >= 10, $"only {viewFrames.Count} frames showed the view");

        var sawRateBeforeCommit = false;
        foreach (var frame in viewFrames)
        {
            var lines = frame.Split('\n').Select(l => l.TrimEnd()).ToList();
            var start = lines.FindIndex(l => Headline().IsMatch(l));
            // The view: headline, status, a blank line, the table's header and rule, four stage rows (then a blank line).
            var view = lines.Skip(start).TakeWhile(l => !l.StartsWith("build: ", StringComparison.Ordinal) && !l.StartsWith("EXIT=", StringComparison.Ordinal))
                .Where(l => l.Length > 0).ToList();
            var context = $"frame at {width}x{height}:\n{frame}";
            Assert.All(view, l => Assert.True(l.Length <= width, $"a line of {l.Length} columns on a {width}-column terminal: '{l}'\n{context}"));
            Assert.Equal(1, view.Count(l => Headline().IsMatch(l)));
            Assert.True(Status().IsMatch(view[1]), $"second line is not the status: '{view[1]}'\n{context}");
            Assert.Matches(@"^stage +img/s +batches +s/batch +in flight$", view[2].Trim());
            Assert.Matches(@"^─+$", view[3].Trim());
            var rows = view.Skip(4).Select(l => l.Trim()).ToList();
            Assert.Equal(StageNames, rows.Select(r => r.Split(' ')[0]));
            Assert.All(rows, r => Assert.True(StageRow().IsMatch(r), $"not a stage row: '{r}'\n{context}"));
            // Nothing before the view but the build's own one-off lines, nothing of another frame.
            Assert.All(lines.Take(start).Where(l => l.Length > 0), l => Assert.StartsWith("build: ", l));

            var headline = Headline().Match(view[0]);
            var status = Status().Match(view[1]);
            var rate = double.Parse(headline.Groups[4].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            if (status.Groups[1].Value == "0" && rate > 0)
                sawRateBeforeCommit = true;
        }
        Assert.True(sawRateBeforeCommit, "no frame showed images/s above 0 before the first shard was committed");
        Assert.Contains(viewFrames[^1].Split('\n'), l => Status().Match(l.TrimEnd()) is { Success: true } m && m.Groups[1].Value == m.Groups[2].Value);
    }
}
