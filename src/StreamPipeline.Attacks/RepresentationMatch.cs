using StreamPipeline.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>
/// D_R (robust model) and D_NR (standard model): from a start x0 (another training image, or seeded noise) minimise
/// ‖g(x_r) − g(x)‖₂ with normalized-gradient steps; the constructed example is (x_r, y).
/// </summary>
public sealed class RepresentationMatch : IConstruction
{
    private readonly ConstructionSettings _settings;

    public RepresentationMatch(ConstructionSettings settings)
    {
        if (settings.Kind is not (ConstructionKind.Robust or ConstructionKind.NonRobust))
            throw new ArgumentException($"{nameof(RepresentationMatch)} builds {ConstructionKind.Robust} or {ConstructionKind.NonRobust}, settings say {settings.Kind}", nameof(settings));
        _settings = settings.Validate();
    }

    /// <summary>Robust or NonRobust: the same algorithm, the model decides which.</summary>
    public ConstructionKind Kind => _settings.Kind;

    public ConstructedBatch Apply(ClassifierModel model, PerturbRequest request, torch.Device device, CancellationToken ct = default)
    {
        var source = request.Source;
        BatchTensors.CheckSource(model, source);
        var startPixels = StartPixels(request);

        using var scope = NewDisposeScope();
        var x = BatchTensors.Images(source.Pixels, source.Count, source.Shape, device);
        var x0 = BatchTensors.Images(startPixels, source.Count, source.Shape, device);
        Tensor target;
        using (no_grad())
            target = model.ForwardWithRepresentation(x).Representation.detach();

        // The start image is the origin: with L2Unbounded (the paper) only [0,1] binds; a bounded norm would
        // keep x_r within eps of x0.
        using var result = PgdAttack.Run(
            model, x0, x0, new RepresentationDistance(target), _settings.Attack, source.Indices, _settings.Seed, ct);

        float[] relative;
        using (no_grad())
        {
            var reached = model.ForwardWithRepresentation(result.Adversarial).Representation;
            var distance = linalg.vector_norm((reached - target).flatten(1), 2, new long[] { 1 });
            var scale = linalg.vector_norm(target.flatten(1), 2, new long[] { 1 }).clamp_min(PerExample.TinyNorm);
            relative = BatchTensors.ToFloats(distance / scale);
        }
        var success = relative.Select(r => r < _settings.SuccessThreshold).ToArray();

        return new ConstructedBatch(
            Indices: (long[])source.Indices.Clone(),
            SourceLabels: (int[])source.Labels.Clone(),
            Targets: null,
            StartIndices: _settings.StartMode == StartMode.OtherImage ? (long[]?)request.StartIndices?.Clone() : null,
            Pixels: BatchTensors.ToFloats(result.Adversarial),
            Success: success,
            Distance: relative);
    }

    private float[] StartPixels(PerturbRequest request)
    {
        var source = request.Source;
        switch (_settings.StartMode)
        {
            case StartMode.OtherImage:
                // Falling back to noise would silently build a different dataset than the spec asks for.
                if (request.StartPixels is null)
                    throw new ArgumentException($"{_settings.Kind} with start mode {StartMode.OtherImage} needs start pixels in the request (batch starting at index {FirstIndex(request)})");
                if (request.StartPixels.Length != source.Pixels.Length)
                    throw new ArgumentException($"start pixels hold {request.StartPixels.Length} values, the batch needs {source.Pixels.Length}");
                if (request.StartIndices is not null && request.StartIndices.Length != source.Count)
                    throw new ArgumentException($"{request.StartIndices.Length} start indices for a batch of {source.Count}");
                return request.StartPixels;
            case StartMode.Noise:
                var size = source.Shape.Size;
                var noise = new float[source.Pixels.Length];
                for (var i = 0; i < source.Count; i++)
                    new ExampleRandom(_settings.Seed, source.Indices[i], RandomPurpose.StartImage).FillUniform(noise.AsSpan(i * size, size));
                return noise;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), _settings.StartMode, "unknown start mode");
        }
    }

    private static string FirstIndex(PerturbRequest request) =>
        request.Source.Count > 0 ? request.Source.Indices[0].ToString() : "none";
}
