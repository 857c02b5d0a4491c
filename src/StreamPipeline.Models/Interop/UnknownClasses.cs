using System.Text.RegularExpressions;
using Razorvine.Pickle;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Razorvine.Pickle throws on the first object of an unregistered class that takes constructor arguments (a
/// dill-pickled function, a custom class), which would lose the whole file. This retries a read, registering each
/// such class as an <see cref="UnreadableObject"/>, until the read gets through; callers name the classes to the user.
/// </summary>
internal static partial class UnknownClasses
{
    /// <summary>Razorvine's constructor table is process-wide and not thread-safe: registration and reads go one at a time.</summary>
    public static readonly Lock Gate = new();

    private const int MaxClasses = 200;

    [GeneratedRegex(@"construction of ClassDict \(for (?<name>[^)]+)\)")]
    private static partial Regex UnknownClass();

    /// <summary>
    /// Runs <paramref name="read"/> (under <see cref="Gate"/>) until no unknown class stops it; returns its result and
    /// the unknown classes whose objects it met (registered now or by an earlier read).
    /// </summary>
    public static (T Result, IReadOnlyList<string> Unknown) Tolerate<T>(Func<T> read)
    {
        lock (Gate)
        {
            var registered = new List<string>();
            while (true)
            {
                try
                {
                    UnreadableObject.Seen.Clear();
                    var result = read();
                    return (result, UnreadableObject.Seen.Order(StringComparer.Ordinal).ToList());
                }
                catch (PickleException e) when (UnknownClass().Match(e.Message) is { Success: true } match && registered.Count < MaxClasses
                                                 && match.Groups["name"].Value is var name && name.LastIndexOf('.') > 0 && !registered.Contains(name))
                {
                    var dot = name.LastIndexOf('.');
                    Unpickler.registerConstructor(name[..dot], name[(dot + 1)..], new UnreadableObject(name));
                    registered.Add(name);
                }
            }
        }
    }
}
