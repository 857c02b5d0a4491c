namespace StreamPipeline.Models.Interop;

/// <summary>File formats a state_dict is exchanged in with PyTorch.</summary>
public enum StateDictFormat
{
    /// <summary><c>torch.save</c>'s zip format (PyTorch ≥ 1.6); <c>torch.load</c> reads it.</summary>
    PyTorch,

    /// <summary>Hugging Face safetensors: a JSON header and raw little-endian tensor data.</summary>
    Safetensors,
}
