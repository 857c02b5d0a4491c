namespace StreamPipeline.Data;

/// <summary>Bad input data: the message is one line naming the file and the problem (the CLI exits with code 2).</summary>
public sealed class DataFormatException(string message, Exception? inner = null) : Exception(message, inner);
