using System.Collections;
using Razorvine.Pickle;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Stands in for a pickled object of a class the reader does not know (a dill-pickled function, a custom class): it
/// swallows constructor arguments and state, so the rest of the file still loads. Registered as the constructor of
/// the unknown name, and a constructor itself, because pickles call what such globals return (dill's
/// <c>_load_type(...)(...)</c>); a Hashtable, so a dict subclass's items can be set on it too.
/// </summary>
internal sealed class UnreadableObject(string className) : Hashtable, IObjectConstructor
{
    public string ClassName { get; } = className;

    /// <summary>Class names met during the current read; reads run one at a time under <see cref="UnknownClasses.Gate"/>.</summary>
    internal static HashSet<string> Seen { get; } = new(StringComparer.Ordinal);

    public object construct(object[] args)
    {
        Seen.Add(ClassName);
        return new UnreadableObject(ClassName);
    }

    // Called by Razorvine's BUILD opcode by reflection; the state is dropped on purpose.
    public void __setstate__(object state) { }

    public override string ToString() => $"<{ClassName}>";
}
