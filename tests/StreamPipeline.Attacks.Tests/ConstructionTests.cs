using StreamPipeline.Data;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

public sealed class ConstructionTests : TorchTest
{
    private static readonly ImageShape Shape = new(3, 6, 6);
    private static readonly Device Cpu = torch.CPU;
    private readonly ITestOutputHelper _output;

    public ConstructionTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static AttackSettings TargetedL2 => new(ThreatModel.L2, Eps: 1.0f, StepSize: 0.2f, Steps: 15);

    private static AttackSettings Matching => new(ThreatModel.L2Unbounded, Eps: 0f, StepSize: 0.1f, Steps: 30);

    [Fact]
    public void Det_labels_are_the_next_class_and_the_stats_describe_the_returned_pixels()
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp(Shape, classes: 10, hiddenUnits: 24, seed: 1);
        var data = new SyntheticImages(Shape, classes: 10, count: 40, seed: 1);
        var request = new PerturbRequest(data.Batch(Range(0, 40)));
        var construction = Constructions.Create(new ConstructionSettings(ConstructionKind.Det, TargetedL2, Seed: 5));
        var batch = construction.Apply(model, request, Cpu);

        Assert.Equal(ConstructionKind.Det, construction.Kind);
        Assert.Equal(request.Source.Indices, batch.Indices);
        Assert.Equal(request.Source.Labels, batch.SourceLabels);
        Assert.Equal(request.Source.Labels.Select(y => (y + 1) % 10), batch.Targets!);
        Assert.Null(batch.StartIndices);
        Assert.Equal(request.Source.Pixels.Length, batch.Pixels.Length);
        Assert.All(batch.Pixels, p => Assert.InRange(p, 0f, 1f));

        var adversarial = tensor(batch.Pixels, new long[] { 40, 3, 6, 6 });
        var source = tensor(request.Source.Pixels, new long[] { 40, 3, 6, 6 });
        var predicted = model.forward(adversarial).argmax(1).data<long>().ToArray();
        var distances = TensorAssert.L2PerExample(adversarial - source);
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(predicted[i] == batch.Targets![i], batch.Success[i]);
            Assert.InRange(batch.Distance[i], distances[i] - 1e-5f, distances[i] + 1e-5f);
            Assert.True(batch.Distance[i] <= 1.0f + 1e-5f);
        }
        Assert.Contains(true, batch.Success);
        _output.WriteLine($"det success on an untrained MLP, eps 1.0: {batch.Success.Count(s => s)}/40");
    }

    [Fact]
    public void Rand_targets_are_uniform_over_the_classes_and_repeatable()
    {
        const int n = 10_000;
        const int classes = 10;
        var counts = new int[classes];
        for (var i = 0; i < n; i++)
            counts[RandomTarget.TargetFor(seed: 17, index: i, classes)]++;
        var expected = n / (double)classes;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        _output.WriteLine($"rand targets over {n} examples: counts [{string.Join(", ", counts)}], chi-square {chiSquare:F2} (9 df; p = 0.001 at 27.88)");
        Assert.True(chiSquare < 27.88, $"chi-square {chiSquare} over 9 degrees of freedom");

        var again = Enumerable.Range(0, n).Select(i => RandomTarget.TargetFor(17, i, classes)).ToArray();
        var first = Enumerable.Range(0, n).Select(i => RandomTarget.TargetFor(17, i, classes)).ToArray();
        var otherSeed = Enumerable.Range(0, n).Select(i => RandomTarget.TargetFor(18, i, classes)).ToArray();
        Assert.Equal(first, again);
        // Independent seeds agree on about a tenth of the examples.
        Assert.InRange(first.Zip(otherSeed).Count(p => p.First == p.Second), 800, 1200);
        // Uniform over all classes: the target may equal the source label, about 1/C of the time.
        var labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        Assert.InRange(first.Zip(labels).Count(p => p.First == p.Second), 800, 1200);
    }

    [Fact]
    public void Rand_labels_the_batch_with_the_seeded_target_of_each_example()
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp(Shape, classes: 10, hiddenUnits: 24, seed: 1);
        var data = new SyntheticImages(Shape, classes: 10, count: 30, seed: 2);
        var indices = Range(5, 20);
        var batch = Constructions.Create(new ConstructionSettings(ConstructionKind.Rand, TargetedL2, Seed: 77))
            .Apply(model, new PerturbRequest(data.Batch(indices)), Cpu);
        Assert.Equal(indices.Select(i => RandomTarget.TargetFor(77, i, 10)), batch.Targets!);
        Assert.Equal(data.Batch(indices).Labels, batch.SourceLabels);
    }

    [Theory]
    [InlineData(ConstructionKind.Det)]
    [InlineData(ConstructionKind.Rand)]
    [InlineData(ConstructionKind.NonRobust)]
    public void Applying_a_construction_twice_to_the_same_batch_is_bit_identical(ConstructionKind kind)
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp(Shape, classes: 10, hiddenUnits: 24, seed: 1);
        var data = new SyntheticImages(Shape, classes: 10, count: 24, seed: 3);
        var request = data.RequestWithStarts(Range(0, 24), StartImagePlan.Create(24, 3));
        var construction = Constructions.Create(SettingsFor(kind, randomStart: true));
        var first = construction.Apply(model, request, Cpu);
        var second = construction.Apply(model, request, Cpu);
        Assert.Equal(first.Pixels, second.Pixels);
        Assert.Equal(first.Targets, second.Targets);
        Assert.Equal(first.Distance, second.Distance);
        Assert.Equal(first.Success, second.Success);
    }

    [Theory]
    [InlineData(ConstructionKind.Det, StartMode.OtherImage)]
    [InlineData(ConstructionKind.Rand, StartMode.OtherImage)]
    [InlineData(ConstructionKind.NonRobust, StartMode.OtherImage)]
    [InlineData(ConstructionKind.Robust, StartMode.Noise)]
    public void An_examples_result_does_not_depend_on_the_batch_it_is_in(ConstructionKind kind, StartMode startMode)
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp(Shape, classes: 10, hiddenUnits: 24, seed: 1);
        var data = new SyntheticImages(Shape, classes: 10, count: 128, seed: 4);
        var plan = StartImagePlan.Create(128, 4);
        var construction = Constructions.Create(SettingsFor(kind, randomStart: true) with { StartMode = startMode });
        const long probe = 37;

        var alone = construction.Apply(model, data.RequestWithStarts(new[] { probe }, plan), Cpu);
        var ofSeven = construction.Apply(model, data.RequestWithStarts(new long[] { 3, 90, probe, 11, 64, 5, 120 }, plan), Cpu);
        var ofSixtyFour = construction.Apply(model, data.RequestWithStarts(Range(probe - 20, 64), plan), Cpu);

        var size = Shape.Size;
        var reference = alone.Pixels;
        var inSeven = ofSeven.Pixels.AsSpan(2 * size, size).ToArray();
        var inSixtyFour = ofSixtyFour.Pixels.AsSpan(20 * size, size).ToArray();
        var maxDiff = Math.Max(MaxAbsDiff(reference, inSeven), MaxAbsDiff(reference, inSixtyFour));
        _output.WriteLine($"{kind} ({startMode}): max abs pixel difference of example {probe} alone / in 7 / in 64: {maxDiff:E2}");
        Assert.True(maxDiff <= 1e-4f, $"{kind}: max abs pixel difference {maxDiff}");
        Assert.Equal(alone.Targets?[0], ofSeven.Targets?[2]);
        Assert.Equal(alone.Targets?[0], ofSixtyFour.Targets?[20]);
        Assert.Equal(alone.Success[0], ofSixtyFour.Success[20]);
    }

    [Fact]
    public void Representation_matching_pulls_the_representation_of_another_image_onto_the_source_on_a_trained_model()
    {
        using var scope = NewDisposeScope();
        var shape = new ImageShape(1, 8, 8);
        var data = new SyntheticImages(shape, classes: 10, count: 600, seed: 8);
        var model = new TinyMlp(shape, classes: 10, hiddenUnits: 32, seed: 8);
        var accuracy = model.Train(data, steps: 300, batchSize: 64);
        Assert.True(accuracy > 0.9f, $"the tiny MLP should learn the toy data, accuracy {accuracy}");

        var indices = Range(0, 32);
        var request = data.RequestWithStarts(indices, StartImagePlan.Create(data.Count, 8));
        var settings = new ConstructionSettings(ConstructionKind.NonRobust, new AttackSettings(ThreatModel.L2Unbounded, 0f, 0.1f, 200), Seed: 8);
        var batch = Constructions.Create(settings).Apply(model, request, Cpu);

        var x = tensor(request.Source.Pixels, new long[] { 32, 1, 8, 8 });
        var x0 = tensor(request.StartPixels!, new long[] { 32, 1, 8, 8 });
        var target = model.ForwardWithRepresentation(x).Representation;
        var initial = TensorAssert.L2PerExample(model.ForwardWithRepresentation(x0).Representation - target)
            .Zip(TensorAssert.L2PerExample(target), (d, t) => d / t).ToArray();
        var before = initial.Average();
        var after = batch.Distance.Average();
        _output.WriteLine($"relative representation distance: start image {before:F3}, after 200 steps of 0.1 {after:F4} (factor {before / after:F1}); success {batch.Success.Count(s => s)}/32; train accuracy {accuracy:P0}");
        Assert.True(after * 10 < before, $"mean relative distance {before} → {after}");
        Assert.Null(batch.Targets);
        Assert.Equal(request.Source.Labels, batch.SourceLabels);
        Assert.Equal(request.StartIndices, batch.StartIndices);
        Assert.All(batch.Pixels, p => Assert.InRange(p, 0f, 1f));
        for (var i = 0; i < 32; i++)
            Assert.Equal(batch.Distance[i] < 0.1f, batch.Success[i]);
    }

    [Fact]
    public void Representation_matching_from_noise_starts_from_seeded_noise_and_records_no_start_index()
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp(Shape, classes: 10, hiddenUnits: 24, seed: 1);
        var data = new SyntheticImages(Shape, classes: 10, count: 8, seed: 9);
        var settings = new ConstructionSettings(ConstructionKind.Robust, Matching with { Steps = 0 }, Seed: 9, StartMode.Noise);
        var batch = Constructions.Create(settings).Apply(model, new PerturbRequest(data.Batch(Range(0, 8))), Cpu);
        Assert.Null(batch.StartIndices);
        // With zero steps the result is the start itself: uniform noise, unrelated to the source image.
        Assert.InRange(batch.Pixels.Average(), 0.45, 0.55);
        Assert.InRange(batch.Pixels.Select(p => (double)(p - 0.5) * (p - 0.5)).Average(), 1 / 12.0 * 0.8, 1 / 12.0 * 1.2);
        Assert.NotEqual(data.Batch(Range(0, 8)).Pixels, batch.Pixels);
    }

    [Fact]
    public void Representation_matching_from_another_image_without_start_pixels_is_refused()
    {
        var model = new TinyMlp(Shape, classes: 10, hiddenUnits: 24, seed: 1);
        var data = new SyntheticImages(Shape, classes: 10, count: 4, seed: 9);
        var construction = Constructions.Create(new ConstructionSettings(ConstructionKind.NonRobust, Matching, Seed: 1));
        var error = Assert.Throws<ArgumentException>(() => construction.Apply(model, new PerturbRequest(data.Batch(Range(0, 4))), Cpu));
        Assert.Contains("start pixels", error.Message);
    }

    [Fact]
    public void A_batch_whose_shape_differs_from_the_models_input_is_refused()
    {
        var model = new TinyMlp(Shape, classes: 10, hiddenUnits: 24, seed: 1);
        var data = new SyntheticImages(new ImageShape(1, 6, 6), classes: 10, count: 4, seed: 9);
        var construction = Constructions.Create(new ConstructionSettings(ConstructionKind.Det, TargetedL2, Seed: 1));
        var error = Assert.Throws<ArgumentException>(() => construction.Apply(model, new PerturbRequest(data.Batch(Range(0, 4))), Cpu));
        Assert.Contains("1x6x6", error.Message);
    }

    [Fact]
    public void Constructions_factory_builds_the_named_construction_and_refuses_inconsistent_settings()
    {
        Assert.IsType<DeterministicTarget>(Constructions.Create(SettingsFor(ConstructionKind.Det, false)));
        Assert.IsType<RandomTarget>(Constructions.Create(SettingsFor(ConstructionKind.Rand, false)));
        Assert.Equal(ConstructionKind.Robust, Assert.IsType<RepresentationMatch>(Constructions.Create(SettingsFor(ConstructionKind.Robust, false))).Kind);
        Assert.Equal(ConstructionKind.NonRobust, Assert.IsType<RepresentationMatch>(Constructions.Create(SettingsFor(ConstructionKind.NonRobust, false))).Kind);

        Assert.Throws<ArgumentException>(() => new DeterministicTarget(SettingsFor(ConstructionKind.Rand, false)));
        Assert.Throws<ArgumentException>(() => new RepresentationMatch(SettingsFor(ConstructionKind.Det, false)));
        var untargeted = Assert.Throws<ArgumentException>(() => Constructions.Create(SettingsFor(ConstructionKind.Det, false) with { Attack = TargetedL2 with { Targeted = false } }));
        Assert.Contains("targeted", untargeted.Message);
        Assert.Throws<ArgumentException>(() => Constructions.Create(SettingsFor(ConstructionKind.Robust, false) with { SuccessThreshold = 0f }));
        Assert.Throws<ArgumentException>(() => Constructions.Create(SettingsFor(ConstructionKind.Det, false) with { Kind = (ConstructionKind)9 }));
    }

    private static ConstructionSettings SettingsFor(ConstructionKind kind, bool randomStart) => kind switch
    {
        ConstructionKind.Det or ConstructionKind.Rand => new ConstructionSettings(kind, TargetedL2 with { RandomStart = randomStart }, Seed: 11),
        _ => new ConstructionSettings(kind, Matching with { RandomStart = randomStart }, Seed: 11),
    };

    private static long[] Range(long start, int count) => Enumerable.Range(0, count).Select(i => start + i).ToArray();

    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max();
}
