namespace StreamPipeline.Pipeline;

/// <summary>Reads the text files embedded in this assembly (hocon/pipeline.conf, config/jobs/defaults.conf).</summary>
internal static class EmbeddedText
{
    public static string Read(string logicalName)
    {
        using var stream = typeof(EmbeddedText).Assembly.GetManifestResourceStream(logicalName)
                           ?? throw new InvalidOperationException($"embedded resource {logicalName} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
