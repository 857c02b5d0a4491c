using System.Globalization;
using System.Text;

namespace StreamPipeline.Data;

/// <summary>
/// A value the user or a file gave (a spec value, a data reference, a path, a key), made fit to echo in a one-line
/// message: control characters escaped, and a long value cut in the middle with its length said, so a 900,000-character
/// value cannot turn an error into a screenful. Every message that repeats such a value shows it through here.
/// </summary>
public static class InputText
{
    /// <summary>The most characters a message shows of one value (its start and its end, which for a path is the file name).</summary>
    public const int DefaultMax = 100;

    /// <summary>The most characters of a whole message line; a longer one holds a value that was not shown through <see cref="Show"/>.</summary>
    public const int MaxLine = 500;

    /// <summary>
    /// <paramref name="text"/> with control characters (and unpaired surrogates, line and paragraph separators, BOM)
    /// written as <c>\uXXXX</c>; longer than <paramref name="max"/> characters once escaped, it keeps its start and end
    /// around "..." and says how long it was.
    /// </summary>
    public static string Show(string? text, int max = DefaultMax)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 8);
        var whole = Escape(text, 0, text.Length);
        if (whole.Length <= max)
            return whole;
        var tailBudget = max / 3;
        var head = Budgeted(text, max - tailBudget, fromEnd: false);
        var tail = Budgeted(text, tailBudget, fromEnd: true);
        return $"{head}...{tail} ({text.Length.ToString("N0", CultureInfo.InvariantCulture)} characters)";
    }

    /// <summary>
    /// A whole message as one terminal line: line breaks become spaces, control characters are escaped, and past
    /// <see cref="MaxLine"/> it is cut as <see cref="Show"/> cuts a value — the net under values a message did not show.
    /// </summary>
    public static string OneLine(string message) => Show(message.ReplaceLineEndings(" ").Trim(), MaxLine);

    /// <summary>The escaped first (or last) characters of <paramref name="text"/> that fit in <paramref name="budget"/> characters.</summary>
    private static string Budgeted(string text, int budget, bool fromEnd)
    {
        var used = 0;
        var count = 0;
        while (count < text.Length)
        {
            var i = fromEnd ? text.Length - 1 - count : count;
            var width = NeedsEscape(text, i) ? 6 : 1;
            if (used + width > budget)
                break;
            used += width;
            count++;
        }
        // Never split a surrogate pair at the cut.
        var edge = fromEnd ? text.Length - count : count - 1;
        if (count > 0 && count < text.Length && (fromEnd ? char.IsLowSurrogate(text[edge]) : char.IsHighSurrogate(text[edge])) && !NeedsEscape(text, edge))
            count--;
        return fromEnd ? Escape(text, text.Length - count, count) : Escape(text, 0, count);
    }

    private static string Escape(string text, int start, int length)
    {
        var shown = new StringBuilder(length);
        for (var i = start; i < start + length; i++)
        {
            if (NeedsEscape(text, i))
                shown.Append(CultureInfo.InvariantCulture, $"\\u{(int)text[i]:x4}");
            else
                shown.Append(text[i]);
        }
        return shown.ToString();
    }

    private static bool NeedsEscape(string text, int i)
    {
        var c = text[i];
        if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF')
            return true;
        if (char.IsHighSurrogate(c))
            return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        if (char.IsLowSurrogate(c))
            return i == 0 || !char.IsHighSurrogate(text[i - 1]);
        return false;
    }
}
