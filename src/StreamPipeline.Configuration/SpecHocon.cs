using System.Text;
using Akka.Configuration;
using StreamPipeline.Data;
using StreamPipeline.Data.Files;

namespace StreamPipeline.Configuration;

/// <summary>
/// The one way spec files (job specs, JOBDIR/job.conf, experiment specs) are read: strict HOCON into Akka's
/// <see cref="Config"/>, where any problem is an <see cref="ArgumentException"/> of one line, <c>spec FILE: line N: problem</c>.
/// </summary>
/// <remarks>
/// Akka.NET 1.5's own parser cannot be given a spec a user wrote: it recurses once per nesting level and per
/// substitution step, so deep nesting or a substitution cycle overflows the stack (which no catch survives); it stops
/// silently at a stray '}' and takes an unclosed '{' as closed; <c>${?x}</c> reads as a substitution of the root;
/// includes fail with a null reference. So the text is parsed and resolved here, with every nesting and size bounded,
/// and only the finished values are handed to Akka's object model. Valid HOCON means what it meant before (a test
/// compares every file under config/ and job.conf text with Akka's reading); what a spec has no use for
/// (<c>+=</c>, self-references, url/classpath includes) is refused with a line saying so.
/// </remarks>
public static class SpecHocon
{
    /// <summary>Largest spec file (and largest text given to <see cref="Parse"/>): specs are a few KiB.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>Largest total text of a spec and the files it includes.</summary>
    public const int MaxTotalChars = 4 << 20;

    /// <summary>Deepest nesting of objects, lists and dotted key parts (also after substitutions are copied in).</summary>
    public const int MaxDepth = 64;

    /// <summary>Deepest chain of files including files.</summary>
    public const int MaxIncludeDepth = 8;

    /// <summary>Most include directives in one spec, its included files' included.</summary>
    public const int MaxIncludes = 64;

    /// <summary>Longest part of a key or substitution path (a setting name is a few words).</summary>
    public const int MaxKeyLength = 256;

    /// <summary>Largest spec once substitutions are copied in (characters plus values), against specs that double themselves.</summary>
    public const int MaxResolvedSize = 16 << 20;

    /// <summary>Deepest recursion while resolving: nesting plus substitutions followed one inside another.</summary>
    public const int MaxResolveDepth = 256;

    /// <summary>
    /// Parses and resolves spec HOCON <paramref name="text"/>; <paramref name="file"/> names it in messages and is the
    /// place relative includes are found from.
    /// </summary>
    public static Config Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            if (text.Length > MaxFileBytes)
                throw new SpecHoconException(file, null, $"is larger than {MaxFileBytes >> 10} KiB; a spec is a small text file");
            var root = SpecHoconParser.ParseFile(text, file, [], 1, new SpecHoconIncludes(file, text.Length));
            return SpecHoconResolver.Resolve(root);
        }
        catch (SpecHoconException e)
        {
            throw new ArgumentException(e.OneLine(), e);
        }
        catch (Exception e)
        {
            // Not expected (each problem above has its own message); still one line and exit code 2, not a crash.
            throw new ArgumentException($"spec {file}: cannot be read as HOCON: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>Reads and parses the spec file <paramref name="file"/> (see <see cref="ReadFile"/> and <see cref="Parse"/>).</summary>
    public static Config ParseFile(string file) => Parse(ReadFile(file), file);

    /// <summary>
    /// The text of a spec file: at most <see cref="MaxFileBytes"/> bytes of UTF-8 (or of UTF-16 with a byte order mark),
    /// never a directory; problems as one-line <see cref="ArgumentException"/>s naming the file.
    /// </summary>
    public static string ReadFile(string file) => ReadText(file, problem => new ArgumentException($"spec {InputText.Show(file)}: {problem}"));

    internal static string ReadText(string file, Func<string, Exception> fail)
    {
        // Before opening: opening a FIFO would wait for a writer forever.
        if (FileKind.NotRegular(file) is { } kind)
            throw fail($"is {kind}, not a regular file");
        if (!File.Exists(file))
            throw fail("file not found");
        byte[] bytes;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            // Devices and /proc files report no length: read at most one byte more than allowed, whatever they say.
            bytes = ReadAtMost(stream, MaxFileBytes + 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw fail($"cannot be read: {e.Message.ReplaceLineEndings(" ")}");
        }
        if (bytes.Length > MaxFileBytes)
            throw fail($"is larger than {MaxFileBytes >> 10} KiB; a spec is a small text file");
        return Decode(bytes) ?? throw fail("is not valid UTF-8 text");
    }

    private static byte[] ReadAtMost(Stream stream, int limit)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while (buffer.Length < limit && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit - buffer.Length))) > 0)
            buffer.Write(chunk, 0, read);
        return buffer.ToArray();
    }

    private static string? Decode(byte[] bytes)
    {
        // Strict decoders: invalid bytes are refused, not turned into U+FFFD behind the user's back.
        var (encoding, skip) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => ((Encoding)new UTF8Encoding(false, true), 3),
            [0xFF, 0xFE, ..] => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2),
            [0xFE, 0xFF, ..] => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2),
            _ => (new UTF8Encoding(false, true), 0),
        };
        try
        {
            return encoding.GetString(bytes, skip, bytes.Length - skip);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
