using System.Text.Encodings.Web;
using System.Text.Json;

namespace StreamPipeline.Pipeline.Specs;

/// <summary>The one JSON text form used for hashing and for job.conf: compact, no escaping beyond JSON's own.</summary>
internal static class CanonicalJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        // Paths and references keep their characters ('+', non-ASCII) so job.conf stays readable HOCON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };
}
