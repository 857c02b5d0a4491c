using System.Collections;
using System.Text.RegularExpressions;
using Razorvine.Pickle;
using TorchSharp.PyBridge;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Reads a file written by <c>torch.save</c> (zip format, PyTorch ≥ 1.6) with TorchSharp.PyBridge. Objects of classes
/// nobody registered (dill-pickled functions, custom classes) would make the whole unpickling throw; they are found
/// in cheap passes that skip the tensor data, registered as <see cref="UnreadableObject"/>s, and named to the caller.
/// </summary>
internal static partial class PickledCheckpointReader
{
    // Razorvine's constructor table is process-wide and not thread-safe: registration and loading go one at a time.
    private static readonly Lock Gate = new();
    private const int MaxUnknownClasses = 200;

    [GeneratedRegex(@"construction of ClassDict \(for (?<name>[^)]+)\)")]
    private static partial Regex UnknownClass();

    /// <summary>The unpickled top-level object and the class names that were read as placeholders.</summary>
    public static (object Root, IReadOnlyList<string> Unreadable) Read(string path)
    {
        lock (Gate)
        {
            var unreadable = new List<string>();
            while (true)
            {
                try
                {
                    using var probe = File.OpenRead(path);
                    PyTorchUnpickler.UnpickleStateDict(probe, leaveOpen: true, skipTensorRead: true);
                    break;
                }
                catch (PickleException e) when (UnknownClass().Match(e.Message) is { Success: true } match && unreadable.Count < MaxUnknownClasses)
                {
                    var name = match.Groups["name"].Value;
                    var dot = name.LastIndexOf('.');
                    if (dot <= 0 || unreadable.Contains(name)) throw Unreadable(path, e);
                    Unpickler.registerConstructor(name[..dot], name[(dot + 1)..], new UnreadableObject(name));
                    unreadable.Add(name);
                }
                catch (Exception e) when (e is PickleException or NotImplementedException or InvalidCastException or InvalidDataException or KeyNotFoundException)
                {
                    throw Unreadable(path, e);
                }
            }

            try
            {
                using var stream = File.OpenRead(path);
                Hashtable root = PyTorchUnpickler.UnpickleStateDict(stream);
                return (root, unreadable);
            }
            catch (Exception e) when (e is PickleException or NotImplementedException or InvalidCastException or InvalidDataException or KeyNotFoundException)
            {
                throw Unreadable(path, e);
            }
        }
    }

    private static InvalidDataException Unreadable(string path, Exception e)
    {
        var reason = e is PickleException { InnerException: { } inner } ? $"{e.Message}: {inner.Message}" : e.Message;
        return new InvalidDataException($"{path}: cannot read this PyTorch file ({reason})", e);
    }
}
