using Razorvine.Pickle;

namespace StreamPipeline.Models.Interop;

/// <summary>One wording for "this pickle could not be read", with the reader's reason.</summary>
internal static class PickleErrors
{
    public static InvalidDataException Unreadable(string path, Exception e)
    {
        var reason = e is PickleException { InnerException: { } inner } ? $"{e.Message}: {inner.Message}" : e.Message;
        return new InvalidDataException($"{path}: cannot read this PyTorch file ({reason})", e);
    }
}
