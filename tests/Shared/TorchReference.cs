using System.Text.Json;

namespace StreamPipeline.Tests.Shared;

/// <summary>
/// What <c>torch_interop.py make</c> wrote next to a model: the architecture, seeded inputs in [0,1] and PyTorch's own
/// logits and representation on them (flat, row-major).
/// </summary>
public sealed record TorchReference(
    string Arch, int[] Shape, int Classes, float[] Mean, float[] Std, int Images, float[] Inputs, float[] Logits, float[] Representation)
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static TorchReference Read(string path) =>
        JsonSerializer.Deserialize<TorchReference>(File.ReadAllText(path), Options)
        ?? throw new InvalidDataException($"{path}: empty reference");

    /// <summary>Writes a model and its reference with <c>torch_interop.py make</c> (<paramref name="extra"/>: more of its options); returns the reference.</summary>
    public static TorchReference Make(string arch, string layout, string shape, string weights, string reference,
        string format = "pt", int classes = 10, int images = 4, int seed = 0, string? drop = null, IReadOnlyList<string>? extra = null)
    {
        string[] args =
        [
            "make", "--arch", arch, "--layout", layout, "--format", format, "--shape", shape,
            "--classes", classes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--images", images.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", weights, "--reference", reference,
        ];
        TorchPython.Run([.. args, .. drop is null ? [] : new[] { "--drop", drop }, .. extra ?? []]);
        return Read(reference);
    }

    /// <summary>Largest absolute difference between two equally long float arrays.</summary>
    public static double MaxAbsDifference(float[] actual, float[] expected)
    {
        if (actual.Length != expected.Length)
            throw new ArgumentException($"lengths differ: {actual.Length} vs {expected.Length}");
        return actual.Zip(expected, (a, e) => Math.Abs((double)a - e)).DefaultIfEmpty(0).Max();
    }
}
