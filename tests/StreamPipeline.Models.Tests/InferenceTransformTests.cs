using Xunit.Abstractions;
using StreamPipeline.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Models.Tests;

/// <summary>
/// Folding batch-norm and running channels_last change only the order of float operations: a transformed model gives
/// the untransformed one's logits, representation and input gradient within float32 rounding (max |Δ| ≤ 1e-4 of the
/// output's largest magnitude), the same predictions, and it can never be trained or saved.
/// </summary>
public sealed class InferenceTransformTests(ITestOutputHelper output)
{
    /// <summary>Max |Δ| allowed, relative to the largest magnitude of the untransformed output (at least 1 for logits and representations).</summary>
    private const double RelativeTolerance = 1e-4;

    /// <summary>Per-example relative L2 difference allowed between input gradients.</summary>
    private const double GradientTolerance = 1e-3;

    private readonly ITestOutputHelper _output = Ensure(output);

    private static ITestOutputHelper Ensure(ITestOutputHelper output)
    {
        TorchTestEnvironment.Ensure();
        return output;
    }

    public static TheoryData<string, int, int, string> Cases()
    {
        var data = new TheoryData<string, int, int, string>();
        foreach (var transforms in new[] { "fold-bn", "channels-last", "all" })
        {
            data.Add("small-cnn", 1, 28, transforms);
            data.Add("small-cnn-wide", 1, 28, transforms);
            data.Add("mlp", 1, 8, transforms);
            data.Add("resnet18", 3, 32, transforms);
            data.Add("resnet50", 3, 32, transforms);
            data.Add("resnet50-imagenet", 3, 32, transforms);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_transformed_model_gives_the_same_logits_representation_gradient_and_predictions(string arch, int channels, int side, string transforms)
    {
        using var scope = NewDisposeScope();
        var shape = new ImageShape(channels, side, side);
        using var plain = TrainedLike(arch, shape, seed: 11);
        using var transformed = TrainedLike(arch, shape, seed: 11);
        transformed.PrepareForInference(InferenceTransforms.Parse(transforms)!);
        manual_seed(5);
        var x = rand(6, channels, side, side);

        var (expectedLogits, expectedRepresentation, expectedGrad) = Outputs(plain, x);
        var (logits, representation, grad) = Outputs(transformed, x);

        AssertClose(expectedLogits, logits, $"{arch} {transforms} logits");
        AssertClose(expectedRepresentation, representation, $"{arch} {transforms} representation");
        AssertSameDirection(expectedGrad, grad, $"{arch} {transforms} input gradient");
        Assert.Equal(expectedLogits.argmax(1).data<long>().ToArray(), logits.argmax(1).data<long>().ToArray());
        Assert.Equal(transforms, transformed.Transforms.ToString());
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public void A_folded_model_no_longer_reads_its_batch_norms(string arch)
    {
        using var scope = NewDisposeScope();
        var shape = new ImageShape(3, 32, 32);
        using var model = TrainedLike(arch, shape, seed: 3);
        model.PrepareForInference(InferenceTransforms.Parse("fold-bn")!);
        var x = rand(2, 3, 32, 32);
        using var before = no_grad();
        var logits = model.forward(x);

        // Were any batch-norm still applied, poisoning its statistics would change the output.
        foreach (var bn in model.modules().OfType<BatchNorm2d>())
            bn.running_var!.fill_(1e6);
        var after = model.forward(x);

        Assert.True(logits.Equals(after), "the folded model's output depends on its batch-norms' running statistics");
    }

    [Theory]
    [InlineData("small-cnn", 1, 28)]
    [InlineData("resnet50", 3, 32)]
    public void Channels_last_puts_every_convolution_and_its_output_in_nhwc_order(string arch, int channels, int side)
    {
        using var scope = NewDisposeScope();
        using var model = TrainedLike(arch, new ImageShape(channels, side, side), seed: 2);
        var convolutions = model.modules().OfType<Conv2d>().ToArray();
        Assert.NotEmpty(convolutions);
        Assert.DoesNotContain(convolutions, c => IsChannelsLast(c.weight!) && c.weight!.shape[1] > 1 && c.weight!.shape[2] > 1);

        model.PrepareForInference(InferenceTransforms.Parse("channels-last")!);

        foreach (var conv in convolutions)
            Assert.True(IsChannelsLast(conv.weight!), $"a {arch} convolution's weights have strides [{string.Join(",", conv.weight!.stride())}]");
        using var noGrad = no_grad();
        var output = convolutions[^1].forward(ChannelsLastInput(convolutions[^1].weight!.shape[1]));
        Assert.True(IsChannelsLast(output), $"the convolution's output has strides [{string.Join(",", output.stride())}]");
    }

    [Fact]
    public void A_model_prepared_for_inference_refuses_training_saving_and_a_second_preparation()
    {
        using var model = TrainedLike("resnet18", new ImageShape(3, 32, 32), seed: 1);
        model.PrepareForInference(InferenceTransforms.All);
        var path = Path.Combine(Path.GetTempPath(), "sp-transform-" + Guid.NewGuid().ToString("N") + ".pt");

        var training = Assert.Throws<InvalidOperationException>(() => model.train());
        var saving = Assert.Throws<InvalidOperationException>(() => Checkpoint.Save(model, path, CheckpointInfo.Describe(model, "test")));
        Assert.Throws<InvalidOperationException>(() => model.PrepareForInference(InferenceTransforms.All));

        Assert.Contains("cannot be trained", training.Message);
        Assert.Contains("prepared for inference", saving.Message);
        Assert.False(File.Exists(path));
        Assert.False(model.training);
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        model.eval(); // eval stays allowed
    }

    [Fact]
    public void Adversarial_training_leaves_the_model_untransformed_and_its_batch_norms_learning()
    {
        using var data = QuadrantImages.Create(96, seed: 4);
        manual_seed(7);
        using var model = ModelFactory.Create("resnet18", QuadrantImages.Shape, QuadrantImages.Classes);
        var bn = model.modules().OfType<BatchNorm2d>().First();
        var meanBefore = bn.running_mean!.clone();
        ExamplePerturber adversary = (m, x, y) =>
        {
            Assert.Equal(InferenceTransforms.None, m.Transforms);
            return (x + 0.01f * randn_like(x)).clamp(0, 1);
        };

        Trainer.Train(model, data, new TrainingSettings(Epochs: 1, BatchSize: 32, LearningRate: 1e-3, Seed: 1, ChunkSize: 96), CPU, adversary);

        Assert.Equal(InferenceTransforms.None, model.Transforms);
        Assert.False(bn.running_mean!.Equals(meanBefore), "training no longer updates the batch-norm statistics");
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Theory]
    [InlineData("all", true, true)]
    [InlineData("none", false, false)]
    [InlineData("fold-bn", true, false)]
    [InlineData("channels-last", false, true)]
    [InlineData("channels-last, fold-bn", true, true)]
    public void Transform_names_parse(string text, bool fold, bool channelsLast) =>
        Assert.Equal(new InferenceTransforms(fold, channelsLast), InferenceTransforms.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("fold")]
    [InlineData("all,none")]
    public void Unknown_transform_names_do_not_parse(string text) => Assert.Null(InferenceTransforms.Parse(text));

    /// <summary>A batch-norm model as after training (<see cref="TrainedLikeModel"/>); the same seed gives the same model.</summary>
    private static ClassifierModel TrainedLike(string arch, ImageShape shape, int seed) =>
        TrainedLikeModel.Create(arch, shape, seed,
            Enumerable.Range(0, shape.Channels).Select(c => 0.4f + 0.05f * c).ToArray(),
            Enumerable.Range(0, shape.Channels).Select(c => 0.2f + 0.03f * c).ToArray());

    private static (Tensor Logits, Tensor Representation, Tensor Grad) Outputs(ClassifierModel model, Tensor x)
    {
        var xi = x.detach().requires_grad_(true);
        var (logits, representation) = model.ForwardWithRepresentation(xi);
        var targets = (logits.argmax(1) + 1) % logits.shape[1];
        var loss = nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum);
        var grad = torch.autograd.grad([loss], [xi])[0];
        return (logits.detach().contiguous(), representation.detach().contiguous(), grad.contiguous());
    }

    /// <summary>
    /// Per example, ||Δg||₂ ≤ <see cref="GradientTolerance"/>·||g||₂: PGD steps along the normalised gradient, so its
    /// direction is what must agree. (Elementwise, a pre-activation within rounding of zero can flip its ReLU and
    /// move single entries by more: seen at 6e-5 of the largest entry on ResNet-50, whose per-example figure is 4e-5.)
    /// </summary>
    private void AssertSameDirection(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var norms = expected.flatten(1).norm(1);
        Assert.True(norms.min().item<float>() > 0, $"{what}: a zero gradient, nothing compared");
        var relative = ((expected - actual).flatten(1).norm(1) / norms).max().item<float>();
        _output.WriteLine($"{what}: max over examples of ||Δg||/||g|| {relative:G3}");
        Assert.True(relative <= GradientTolerance, $"{what}: ||Δg||/||g|| reaches {relative:G3}");
    }

    private void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = Math.Max(1.0, expected.abs().max().item<float>());
        var difference = (expected - actual).abs().max().item<float>();
        _output.WriteLine($"{what}: max |Δ| {difference:G3}, scale {scale:G3}, relative {difference / scale:G3}");
        Assert.True(difference <= RelativeTolerance * scale, $"{what}: max |Δ| {difference:G3} against a scale of {scale:G3}");
    }

    private static bool IsChannelsLast(Tensor t)
    {
        var (c, h, w) = (t.shape[1], t.shape[2], t.shape[3]);
        var stride = t.stride();
        return stride[1] == 1 && (w == 1 || stride[3] == c) && (h == 1 || stride[2] == c * w);
    }

    private static Tensor ChannelsLastInput(long channels) => randn(2, 4, 4, channels).permute(0, 3, 1, 2);
}
