using StreamPipeline.Pipeline.Devices;

namespace StreamPipeline.Pipeline.Tests.TestData;

/// <summary>
/// A real, deterministic stand-in for a construction: pixels + 0.01 (clamped to 1), target (y+1) mod C (none for
/// representation matching), success,
/// distance 0.01·√size. Optionally slow, optionally poisoned for some indices; records where it ran.
/// </summary>
public sealed class ShiftPerturber(ShiftPerturberFactory factory, int id, string device) : IBatchPerturber
{
    public int Id { get; } = id;
    public string Device { get; } = device;
    public int CreatedOnThread { get; } = Environment.CurrentManagedThreadId;

    public static ConstructedBatch Apply(PerturbRequest request, int classes, ConstructionKind construction = ConstructionKind.Det)
    {
        var source = request.Source;
        var n = source.Count;
        var pixels = new float[source.Pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = Math.Min(1f, source.Pixels[i] + 0.01f);
        var distance = 0.01f * MathF.Sqrt(source.Shape.Size);
        return new ConstructedBatch(
            source.Indices.ToArray(),
            source.Labels.ToArray(),
            construction.IsRepresentationMatching() ? null : source.Labels.Select(y => (y + 1) % classes).ToArray(),
            request.StartIndices?.ToArray(),
            pixels,
            Enumerable.Repeat(true, n).ToArray(),
            Enumerable.Repeat(distance, n).ToArray());
    }

    public ConstructedBatch Perturb(PerturbRequest request, CancellationToken ct)
    {
        factory.Record(this, request);
        if (factory.Delay > TimeSpan.Zero)
        {
            ct.WaitHandle.WaitOne(factory.Delay);
            ct.ThrowIfCancellationRequested();
        }
        if (factory.PoisonIndex is { } poison && request.Source.Indices.Contains(poison))
            throw new InvalidOperationException($"poisoned example {poison}");
        return Apply(request, factory.Classes, factory.Construction);
    }

    public void Dispose() => factory.Disposed(this);
}
