using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

/// <summary>
/// Wraps a real objective and records, at every call (every PGD iteration plus the final evaluation): the
/// per-example losses, the representation (for <see cref="LinearModel"/> that is the iterate itself), and the
/// thread's live tensor count. An optional hook runs before each call (to cancel, for instance).
/// </summary>
public sealed class RecordingObjective : IAttackObjective
{
    private readonly IAttackObjective _inner;
    private readonly Action<int>? _beforeCall;

    public RecordingObjective(IAttackObjective inner, Action<int>? beforeCall = null, bool recordRepresentations = true)
    {
        _inner = inner;
        _beforeCall = beforeCall;
        RecordRepresentations = recordRepresentations;
    }

    public bool RecordRepresentations { get; }

    public List<float[]> Losses { get; } = new();

    public List<float[]> Representations { get; } = new();

    public List<long> LiveTensors { get; } = new();

    public int Calls => Losses.Count;

    public Tensor Loss(Tensor logits, Tensor representation)
    {
        _beforeCall?.Invoke(Calls);
        LiveTensors.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        var loss = _inner.Loss(logits, representation);
        Losses.Add(TensorAssert.Floats(loss));
        if (RecordRepresentations)
            Representations.Add(TensorAssert.Floats(representation));
        return loss;
    }
}
