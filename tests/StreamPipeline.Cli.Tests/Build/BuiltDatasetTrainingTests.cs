using System.Text.Json;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>A built dataset feeds <c>train --data parquet:JOBDIR</c>, and the model is scored on the original test set.</summary>
[Collection(BuildTestCollection.Name)]
public sealed class BuiltDatasetTrainingTests(TinyModelFixture fixture)
{
    [Fact]
    public void Model_trained_on_a_built_det_dataset_is_evaluated_on_the_original_test_set()
    {
        // The 100 examples of BuildOutputTests' build: checked there, reused here.
        var jobDir = fixture.ReferenceBuild(DetBuild.Of(fixture).Flags());
        var model = fixture.NewJobDirectory("trained-on-det") + ".pt";

        var trained = CliProcess.Run(fixture.Root, "train", "--data", $"parquet:{jobDir}", "--out", model,
            "--epochs", "2", "--batch-size", "32", "--lr", "0.01", "--device", "cpu", "--threads", "1", "--json");

        Assert.True(trained.ExitCode == 0, trained.Stderr);
        using var sidecar = JsonDocument.Parse(File.ReadAllText(model + ".json"));
        Assert.Equal($"parquet:{jobDir}", sidecar.RootElement.GetProperty("dataset_ref").GetString());
        Assert.Equal([1, 8, 8], sidecar.RootElement.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(TinyModelFixture.Classes, sidecar.RootElement.GetProperty("classes").GetInt32());

        var evaluated = CliProcess.Run(fixture.Root, "evaluate", "--model", model, "--data", fixture.TestReference,
            "--device", "cpu", "--threads", "1", "--json");

        Assert.True(evaluated.ExitCode == 0, evaluated.Stderr);
        using var json = JsonDocument.Parse(evaluated.Stdout);
        Assert.Equal(TinyModelFixture.TestCount, json.RootElement.GetProperty("examples").GetInt64());
        Assert.InRange(json.RootElement.GetProperty("accuracy").GetDouble(), 0.0, 1.0);
    }
}
