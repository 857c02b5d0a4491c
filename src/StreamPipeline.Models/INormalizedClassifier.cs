namespace StreamPipeline.Models;

/// <summary>A classifier that normalises its [0,1] input per channel with mean/std buffers it owns (saved with its weights).</summary>
public interface INormalizedClassifier
{
    /// <summary>Per-channel mean subtracted from the input (current buffer values, read from the device).</summary>
    float[] Mean { get; }

    /// <summary>Per-channel standard deviation the centred input is divided by.</summary>
    float[] Std { get; }
}
