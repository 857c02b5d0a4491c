namespace StreamPipeline.Models.Interop;

/// <summary>The file an export wrote: its path, format, tensor count and SHA-256.</summary>
public sealed record ExportResult(string Path, StateDictFormat Format, int Tensors, string Sha256);
