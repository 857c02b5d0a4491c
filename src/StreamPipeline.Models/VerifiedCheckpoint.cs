using StreamPipeline.Data.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// A checkpoint read once and checked once: its sidecar, its weights' bytes in memory and their SHA-256, which matches
/// the sidecar's. Every model made from it (<see cref="Load"/>, once per device) comes from these bytes, so a build
/// reads and hashes the weights file once however many devices it runs on, and every device gets the weights that were
/// hashed. Reading it needs no libtorch (a coordinator checks the job's checkpoint without loading the native library);
/// only <see cref="Load"/> does.
/// </summary>
public sealed class VerifiedCheckpoint
{
    private readonly byte[] _weights;
    private int _loads;

    private VerifiedCheckpoint(string path, CheckpointInfo info, byte[] weights)
    {
        Path = path;
        Info = info;
        _weights = weights;
    }

    /// <summary>The weights file as given.</summary>
    public string Path { get; }

    /// <summary>The sidecar; its <see cref="CheckpointInfo.WeightsSha256"/> is the SHA-256 of the bytes held here.</summary>
    public CheckpointInfo Info { get; }

    /// <summary>Lowercase hex SHA-256 of the weights (equal to the sidecar's).</summary>
    public string Sha256 => Info.WeightsSha256;

    /// <summary>How many models <see cref="Load"/> has made from this checkpoint (one per device in a build).</summary>
    public int Loads => Volatile.Read(ref _loads);

    /// <summary>
    /// Reads the sidecar and the weights of <paramref name="path"/> and checks the weights against the sidecar's SHA-256.
    /// Missing files → <see cref="FileNotFoundException"/>; a bad sidecar or mismatching weights → <see cref="InvalidDataException"/>.
    /// </summary>
    public static VerifiedCheckpoint Read(string path)
    {
        var info = Checkpoint.ReadInfo(path);
        var bytes = File.ReadAllBytes(path);
        var actual = FileChecksum.Sha256Of(bytes);
        if (!FileChecksum.Same(actual, info.WeightsSha256))
            throw new InvalidDataException(
                $"{path}: weights do not match their sidecar (sha256 {actual}, sidecar says {info.WeightsSha256})");
        return new VerifiedCheckpoint(path, info with { WeightsSha256 = actual }, bytes);
    }

    /// <summary>
    /// Rebuilds the model the sidecar describes, loads the verified weights into it (strictly: every tensor, every shape),
    /// refuses non-finite weights or output, and moves it to <paramref name="device"/> in eval mode. Thread-safe: each
    /// call makes its own model. A sidecar naming an unknown architecture or weights that do not fit it →
    /// <see cref="InvalidDataException"/>.
    /// </summary>
    public ClassifierModel Load(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ClassifierModel model;
        try
        {
            model = ModelFactory.Create(Info.Architecture, Info.InputShape, Info.Classes, Info.Mean, Info.Std);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{Checkpoint.SidecarPath(Path)}: {e.Message}", e);
        }

        try
        {
            using (var stream = new MemoryStream(_weights, writable: false))
                model.load(stream, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            model.Dispose();
            throw new InvalidDataException(
                $"{Path}: weights do not fit a {Info.Architecture} model for {Info.InputShape} images and {Info.Classes} classes ({e.Message})", e);
        }

        try
        {
            Checkpoint.RequireFinite(model, Path);
            model.to(device);
            model.eval();
            Interlocked.Increment(ref _loads);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
