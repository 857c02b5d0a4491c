namespace StreamPipeline.Models.Tests;

/// <summary>Collects progress reports synchronously (unlike <see cref="Progress{T}"/>, which posts them to the thread pool).</summary>
internal sealed class RecordingProgress<T> : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value) => Reports.Add(value);
}
