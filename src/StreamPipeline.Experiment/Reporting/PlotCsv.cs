using System.Globalization;
using System.Text;

namespace StreamPipeline.Experiment.Reporting;

/// <summary>
/// The CSV dialect of the plot files: a fixed header, comma-separated, fields with a comma, quote or line break quoted
/// (RFC 4180), numbers in invariant culture with round-trip precision so a value read back is the value plotted.
/// </summary>
internal static class PlotCsv
{
    public static string Format(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = new StringBuilder();
        text.Append(string.Join(',', header.Select(Quote))).Append('\n');
        foreach (var row in rows)
            text.Append(string.Join(',', row.Select(Quote))).Append('\n');
        return text.ToString();
    }

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The data rows of <paramref name="text"/>, each with the header's field count; <paramref name="source"/> names the file in errors.</summary>
    public static IReadOnlyList<string[]> Parse(string text, IReadOnlyList<string> header, string source)
    {
        var records = Records(text, source);
        if (records.Count == 0 || !records[0].SequenceEqual(header))
            throw new InvalidDataException($"{source}: expected the header '{string.Join(',', header)}'");
        for (var i = 1; i < records.Count; i++)
            if (records[i].Length != header.Count)
                throw new InvalidDataException($"{source}: record {i + 1} has {records[i].Length} fields, expected {header.Count}");
        return records.Skip(1).ToList();
    }

    public static double ParseNumber(string field, string source, int record)
    {
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            throw new InvalidDataException($"{source}: record {record + 1}: '{field}' is not a number");
        return value;
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? '"' + field.Replace("\"", "\"\"") + '"' : field;

    private static List<string[]> Records(string text, string source)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                fields.Add(field.ToString());
                field.Clear();
                records.Add(fields.ToArray());
                fields.Clear();
            }
            else field.Append(c);
        }
        if (quoted) throw new InvalidDataException($"{source}: a quoted field is not closed");
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(fields.ToArray());
        }
        return records;
    }
}
