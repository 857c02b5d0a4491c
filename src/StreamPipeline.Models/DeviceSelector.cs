using System.Globalization;
using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>Turns device specs (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) into torch devices and device lists.</summary>
public static class DeviceSelector
{
    /// <summary>
    /// The device for <paramref name="spec"/>. <c>auto</c> picks <c>cuda:0</c> when CUDA is available, otherwise the CPU
    /// (telling <paramref name="notice"/> so). An unavailable CUDA device or a malformed spec is an <see cref="ArgumentException"/>.
    /// </summary>
    public static Device Select(string spec, Action<string>? notice = null)
    {
        var normalized = Normalize(spec);
        if (normalized == "auto")
        {
            if (cuda.is_available()) return new Device(DeviceType.CUDA, 0);
            notice?.Invoke("CUDA not available; using CPU");
            return CPU;
        }

        var index = ParseSingle(normalized, spec);
        if (index is null) return CPU;
        if (!cuda.is_available())
            throw new ArgumentException($"device '{spec.Trim()}' requested but CUDA is not available (this build or machine has no CUDA); use --devices cpu or auto", nameof(spec));
        var count = cuda.device_count();
        if (index.Value >= count)
            throw new ArgumentException($"device '{spec.Trim()}' does not exist: {count} CUDA device(s) visible (cuda:0..cuda:{count - 1})", nameof(spec));
        return new Device(DeviceType.CUDA, index.Value);
    }

    /// <summary>
    /// Splits a comma-separated device list (<c>cpu,cpu</c>, <c>cuda:0,cuda:1</c>) into normalised specs; duplicates are kept
    /// (two workers may share a device). <c>auto</c> alone means every visible CUDA device, or <c>["cpu"]</c>.
    /// Checks the syntax only; <see cref="Select"/> checks that a device exists when it is used.
    /// </summary>
    public static IReadOnlyList<string> ParseList(string specs)
    {
        if (string.IsNullOrWhiteSpace(specs))
            throw new ArgumentException("device list is empty; expected auto, cpu or cuda:N[,cuda:M...]", nameof(specs));
        var parts = specs.Split(',').Select(p => p.Trim()).ToArray();
        if (parts.Any(p => p.Length == 0))
            throw new ArgumentException($"device list '{InputText.Show(specs)}' has an empty entry", nameof(specs));

        var normalized = parts.Select(Normalize).ToArray();
        if (normalized.Contains("auto"))
        {
            if (normalized.Length > 1)
                throw new ArgumentException($"device list '{InputText.Show(specs)}': auto cannot be combined with other devices", nameof(specs));
            return cuda.is_available()
                ? Enumerable.Range(0, cuda.device_count()).Select(i => $"cuda:{i}").ToArray()
                : ["cpu"];
        }

        return normalized.Select(p =>
        {
            var index = ParseSingle(p, p);
            return index is null ? "cpu" : $"cuda:{index.Value}";
        }).ToArray();
    }

    private static string Normalize(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Trim().ToLowerInvariant();
    }

    /// <summary>null for the CPU, the CUDA index otherwise.</summary>
    private static int? ParseSingle(string normalized, string original)
    {
        if (normalized == "cpu") return null;
        if (normalized == "cuda") return 0;
        if (normalized.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(normalized.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return index;
        throw new ArgumentException($"unknown device '{original.Trim()}'; expected auto, cpu, cuda or cuda:N", "spec");
    }
}
