using System.Collections;
using Razorvine.Pickle;
using TorchSharp.PyBridge;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Reads a file written by <c>torch.save</c> in its zip format (PyTorch ≥ 1.6) with TorchSharp.PyBridge. Unknown
/// classes are found in passes that skip the tensor data (cheap), then the file is read once with its tensors.
/// </summary>
internal static class PickledCheckpointReader
{
    /// <summary>The unpickled top-level object and the class names that were read as placeholders.</summary>
    public static (object Root, IReadOnlyList<string> Unreadable) Read(string path)
    {
        try
        {
            var (_, unreadable) = UnknownClasses.Tolerate(() =>
            {
                using var probe = File.OpenRead(path);
                return PyTorchUnpickler.UnpickleStateDict(probe, leaveOpen: true, skipTensorRead: true);
            });
            lock (UnknownClasses.Gate)
            {
                using var stream = File.OpenRead(path);
                Hashtable root = PyTorchUnpickler.UnpickleStateDict(stream);
                return (root, unreadable);
            }
        }
        catch (Exception e) when (e is PickleException or NotImplementedException or InvalidCastException or InvalidDataException or KeyNotFoundException or InvalidOperationException)
        {
            throw PickleErrors.Unreadable(path, e);
        }
    }
}
