using System.Text.Json;

namespace StreamPipeline.Cli.Tests;

/// <summary>train then evaluate through the real program, on a tiny learnable dataset.</summary>
public sealed class TrainEvaluateTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Train_writes_a_checkpoint_that_evaluate_scores_as_json()
    {
        var train = TinyData.Reference(TinyData.WriteIdx(_dir.Path, "train", 512, seed: 10));
        var test = TinyData.Reference(TinyData.WriteIdx(_dir.Path, "test", 256, seed: 11));
        var model = _dir.File("tiny.pt");

        var trained = CliProcess.Run(_dir.Path, "train", "--data", train, "--out", model, "--epochs", "3", "--batch-size", "32",
            "--lr", "0.01", "--device", "cpu", "--test-data", test);
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        Assert.True(File.Exists(model) && File.Exists(model + ".json"));
        using var sidecar = JsonDocument.Parse(File.ReadAllText(model + ".json"));
        Assert.Equal("small-cnn", sidecar.RootElement.GetProperty("architecture").GetString());

        var evaluated = CliProcess.Run(_dir.Path, "evaluate", "--model", model, "--data", test, "--device", "cpu",
            "--attack", "l2", "--eps", "1.0", "--steps", "5", "--json");
        Assert.True(evaluated.ExitCode == 0, evaluated.Stderr);
        using var json = JsonDocument.Parse(evaluated.Stdout);
        var accuracy = json.RootElement.GetProperty("accuracy").GetDouble();
        var robust = json.RootElement.GetProperty("robust_accuracy").GetDouble();
        Assert.Equal(256, json.RootElement.GetProperty("examples").GetInt64());
        Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
        Assert.True(robust <= accuracy, $"robust {robust} > accuracy {accuracy}");
    }

    [Fact]
    public void Training_that_diverges_to_NaN_fails_with_one_line_and_writes_no_checkpoint()
    {
        var train = TinyData.Reference(TinyData.WriteIdx(_dir.Path, "train", 128, seed: 13));
        var model = _dir.File("diverged.pt");

        // Adam's first step moves every weight by about the learning rate: 1e30 overflows the next forward pass.
        var trained = CliProcess.Run(_dir.Path, "train", "--data", train, "--out", model, "--epochs", "1", "--batch-size", "32",
            "--lr", "1e30", "--device", "cpu");

        // Before: exit 0 and a checkpoint of NaN weights, which every later command used as if it were a model.
        Assert.True(trained.ExitCode == 1, $"exit code {trained.ExitCode}: {trained.Stderr}");
        var failed = Assert.Single(trained.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            l => l.StartsWith("failed:", StringComparison.Ordinal));
        Assert.Contains("training diverged: the loss is", failed);
        Assert.Contains("no checkpoint written", failed);
        Assert.False(File.Exists(model));
        Assert.False(File.Exists(model + ".json"));
    }

    [Fact]
    public void Training_twice_with_the_same_seed_writes_identical_weights()
    {
        var train = TinyData.Reference(TinyData.WriteIdx(_dir.Path, "train", 128, seed: 12));
        string Sha(string name, string seed)
        {
            var model = _dir.File(name);
            var result = CliProcess.Run(_dir.Path, "train", "--data", train, "--out", model, "--epochs", "1", "--batch-size", "32",
                "--device", "cpu", "--seed", seed);
            Assert.True(result.ExitCode == 0, result.Stderr);
            using var sidecar = JsonDocument.Parse(File.ReadAllText(model + ".json"));
            return sidecar.RootElement.GetProperty("weights_sha256").GetString()!;
        }

        Assert.Equal(Sha("a.pt", "3"), Sha("b.pt", "3"));
        Assert.NotEqual(Sha("c.pt", "3"), Sha("d.pt", "4"));
    }
}
