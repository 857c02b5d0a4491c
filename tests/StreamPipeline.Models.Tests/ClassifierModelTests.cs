using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

public sealed class ClassifierModelTests
{
    public ClassifierModelTests() => TorchTestEnvironment.Ensure();

    public static TheoryData<string, int, int, int, int, int> Shapes => new()
    {
        { "small-cnn", 1, 28, 28, 10, SmallCnn.RepresentationSize },
        { "small-cnn", 3, 32, 32, 10, SmallCnn.RepresentationSize },
        { "resnet18", 1, 28, 28, 10, ResNet.Layouts[ResNet.Cifar18].RepresentationSize },
        { "resnet18", 3, 32, 32, 7, ResNet.Layouts[ResNet.Cifar18].RepresentationSize },
        { "small-cnn-wide", 1, 28, 28, 10, SmallCnn.WideRepresentationSize },
        { "small-cnn-wide", 3, 32, 32, 7, SmallCnn.WideRepresentationSize },
        { "mlp", 1, 28, 28, 10, Mlp.RepresentationSize },
        { "mlp", 3, 32, 32, 7, Mlp.RepresentationSize },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Model_returns_logits_of_N_by_classes_and_a_representation_of_N_by_D(string architecture, int c, int h, int w, int classes, int d)
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create(architecture, new ImageShape(c, h, w), classes);
        model.eval();
        var x = rand(3, c, h, w);

        using (no_grad())
        {
            var (logits, representation) = model.ForwardWithRepresentation(x);
            Assert.Equal(new long[] { 3, classes }, logits.shape);
            Assert.Equal(new long[] { 3, d }, representation.shape);
            Assert.Equal(architecture, model.Architecture);
            Assert.True(logits.isfinite().all().item<bool>());
        }
    }

    [Fact]
    public void ResNet18_takes_one_SGD_step_on_a_CIFAR_batch_with_a_finite_nonzero_gradient_for_every_parameter()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var model = ModelFactory.Create("resnet18", new ImageShape(3, 32, 32), 10, [0.49f, 0.48f, 0.45f], [0.25f, 0.24f, 0.26f]);
        model.train();
        using var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
        var x = rand(4, 3, 32, 32);
        var y = tensor(new long[] { 0, 3, 7, 9 });
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.forward(x), y);
        loss.backward();

        var parameters = model.named_parameters().ToList();
        Assert.Equal(62, parameters.Count); // stem 3 + 8 blocks × 6 + 3 shortcuts × 3 + linear 2
        foreach (var (name, p) in parameters)
        {
            var grad = p.grad;
            Assert.True(grad is not null, $"{name} has no gradient");
            Assert.True(grad.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(grad.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }

        optimizer.step();
        foreach (var (name, p) in model.named_parameters())
            Assert.False(p.detach().Equals(before[name]), $"{name} did not change in the SGD step");
    }

    [Fact]
    public void Normalisation_buffers_change_the_logits_of_a_model_with_the_same_weights()
    {
        using var scope = NewDisposeScope();
        var shape = new ImageShape(1, 8, 8);
        manual_seed(5);
        using var plain = ModelFactory.Create("small-cnn", shape, 4);
        manual_seed(5);
        using var normalised = ModelFactory.Create("small-cnn", shape, 4, [0.5f], [0.25f]);
        foreach (var ((name, a), (_, b)) in plain.named_parameters().Zip(normalised.named_parameters()))
            Assert.True(a.Equals(b), $"{name} differs although both models were seeded alike");
        var x = rand(5, 1, 8, 8);

        using (no_grad())
        {
            var logitsPlain = plain.forward(x);
            var logitsNormalised = normalised.forward(x);
            Assert.False(logitsPlain.allclose(logitsNormalised));
            // The normalised model is the plain model applied to (x - mean) / std.
            Assert.True(plain.forward((x - 0.5f) / 0.25f).allclose(logitsNormalised, rtol: 1e-5, atol: 1e-6));
        }

        Assert.Equal([0.5f], ((INormalizedClassifier)normalised).Mean);
        Assert.Equal([0.25f], ((INormalizedClassifier)normalised).Std);
        Assert.Contains(normalised.named_buffers(), b => b.name == "mean");
        Assert.Contains(normalised.named_buffers(), b => b.name == "std");
    }
}
