using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using StreamPipeline.Data;

namespace StreamPipeline.Configuration;

/// <summary>
/// Reads one spec HOCON file into <see cref="SpecHoconNode"/>s, strictly: every brace and bracket must be closed and
/// nothing may follow the last value, and nesting (objects, lists, dotted keys, includes) is bounded, so the recursion
/// here and in Akka's object model stays shallow whatever the file holds.
/// </summary>
internal sealed class SpecHoconParser
{
    // HOCON's characters that may not appear in an unquoted string or key; '+' only starts "+=", '/' only "//".
    private const string NotUnquoted = "$\"{}[]:=,#`^?!@*&\\";

    private readonly string _text;
    private readonly string _file;
    private readonly IReadOnlyList<string> _prefix;
    private readonly SpecHoconIncludes _includes;
    private readonly int[] _newlines;
    private int _pos;

    private SpecHoconParser(string text, string file, IReadOnlyList<string> prefix, SpecHoconIncludes includes)
    {
        _text = text;
        _file = file;
        _prefix = prefix;
        _includes = includes;
        var newlines = new List<int>();
        for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1))
            newlines.Add(i);
        _newlines = [.. newlines];
    }

    /// <summary>
    /// Parses a whole file into the object it describes. <paramref name="prefix"/> is the path of the object it is
    /// included into (empty for the spec itself) and <paramref name="depth"/> that object's nesting depth.
    /// </summary>
    public static SpecHoconNode.Object ParseFile(string text, string file, IReadOnlyList<string> prefix, int depth, SpecHoconIncludes includes)
    {
        var parser = new SpecHoconParser(text, file, prefix, includes);
        parser.CheckCharacters();
        return parser.ParseDocument(depth);
    }

    private bool AtEnd => _pos >= _text.Length;

    private int Line => LineAt(_pos);

    private bool AtComment => Peek() == '#' || (Peek() == '/' && Peek(1) == '/');

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private int LineAt(int position)
    {
        var index = Array.BinarySearch(_newlines, position);
        return 1 + (index >= 0 ? index : ~index);
    }

    // HOCON's whitespace: Unicode spaces, the byte order mark and the separators U+001C-U+001F (which .NET does not count).
    private static bool IsInlineSpace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF' || c is >= '\u001c' and <= '\u001f');

    /// <summary>A spec is text: refuses NUL and other control characters anywhere (comments included), and broken UTF-16.</summary>
    private void CheckCharacters()
    {
        for (var i = 0; i < _text.Length; i++)
        {
            var c = _text[i];
            if (char.IsHighSurrogate(c) && i + 1 < _text.Length && char.IsLowSurrogate(_text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
                throw Error(LineAt(i), "half of a UTF-16 surrogate pair: not valid text");
            // Tab, newline, carriage return, form feed, vertical tab and the separators U+001C-U+001F are HOCON whitespace.
            var control = c == '\u007f' || (c < ' ' && c is not ('\t' or '\n' or '\r' or '\f' or '\v') && c is not (>= '\u001c' and <= '\u001f'));
            if (control)
                throw Error(LineAt(i), c == '\0' ? "a NUL character: a spec is a text file" : $"control character U+{(int)c:X4}: a spec is a text file");
        }
    }

    private SpecHoconNode.Object ParseDocument(int depth)
    {
        var root = new SpecHoconNode.Object(_file, 1);
        SkipBlank();
        if (!AtEnd && Peek() == '{')
        {
            // A root object in braces (JSON style); nothing may follow it.
            var open = Line;
            _pos++;
            ParseFields(root, open, _prefix, depth);
            SkipBlank();
            if (!AtEnd)
                throw Error($"{Describe()} after the '}}' that closes the root object (opened on line {open})");
        }
        else
        {
            ParseFields(root, null, _prefix, depth);
        }
        return root;
    }

    /// <summary>Fields up to the '}' that closes the object opened on <paramref name="openLine"/> (or to the end of the root).</summary>
    private void ParseFields(SpecHoconNode.Object target, int? openLine, IReadOnlyList<string> path, int depth)
    {
        while (true)
        {
            SkipBlank();
            if (AtEnd)
            {
                if (openLine is { } line)
                    throw Error(line, "'{' is never closed");
                return;
            }
            switch (Peek())
            {
                case '}' when openLine is null:
                    throw Error("'}' without a matching '{'");
                case '}':
                    _pos++;
                    return;
                case ']' when openLine is null:
                    throw Error("']' without a matching '['");
                case ']':
                    throw Error($"']' where '}}' was expected (the '{{' of line {openLine} is still open)");
                case ',':
                    throw Error("',' without a setting before it");
            }
            var what = AtInclude() ? ParseInclude(target, path, depth) : ParseField(target, path, depth);
            SkipInlineSpaceAndComment();
            // A closing bracket is judged at the top of the loop, which knows whether it matches.
            if (AtEnd || Peek() is '\n' or '}' or ']')
                continue;
            if (Peek() == ',')
            {
                _pos++;
                SkipBlank();
                if (!AtEnd && Peek() == ',')
                    throw Error("',' without a setting before it");
                continue;
            }
            throw Error($"{Describe()} after {what}: put each setting on its own line or separate them with ','");
        }
    }

    /// <summary>One <c>key = value</c>, <c>key : value</c> or <c>key { ... }</c>; returns how to name it in a message.</summary>
    private string ParseField(SpecHoconNode.Object target, IReadOnlyList<string> path, int depth)
    {
        var line = Line;
        var key = ParsePath("a setting name");
        if (key.Count == 0)
            throw Error($"expected a setting name, found {Describe()}");
        var shown = InputText.Show(string.Join('.', key));
        // Each dotted part of a key is one more level of objects.
        var valueDepth = depth + key.Count - 1;
        if (valueDepth > SpecHocon.MaxDepth)
            throw NestingError();
        var fieldPath = path.Concat(key).ToArray();
        SkipBlank();
        SpecHoconNode? value;
        if (Peek() == '+' && Peek(1) == '=')
            throw Error($"'{shown} +=' (append to a list) is not supported in a spec: write the whole list, e.g. {shown} = [...]");
        if (!AtEnd && Peek() is '=' or ':')
        {
            _pos++;
            SkipBlank();
            value = ParseValue(fieldPath, valueDepth) ?? throw Error($"'{shown}' has no value (found {Describe()})");
        }
        else if (!AtEnd && Peek() == '{')
        {
            value = ParseValue(fieldPath, valueDepth)!;
        }
        else
        {
            throw Error($"expected '=', ':' or '{{' after '{shown}', found {Describe()}");
        }
        for (var i = key.Count - 1; i >= 1; i--)
        {
            var wrapper = new SpecHoconNode.Object(_file, line);
            wrapper.Fields.Add(key[i], value);
            value = wrapper;
        }
        SpecHoconNode.Assign(target, key[0], value);
        return $"the value of '{shown}'";
    }

    /// <summary>
    /// A value: one or more parts on the same line (strings, objects, lists, substitutions) up to a new line, ',', a
    /// closing bracket or a comment; null when there is none.
    /// </summary>
    private SpecHoconNode? ParseValue(IReadOnlyList<string> fieldPath, int depth)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var line = Line;
        var parts = new List<SpecHoconNode>();
        string? space = null;
        while (!AtEnd)
        {
            var c = Peek();
            if (c is '\n' or ',' or '}' or ']' || AtComment)
                break;
            if (IsInlineSpace(c))
            {
                var start = _pos;
                SkipInlineSpace();
                space = _text[start.._pos];
                continue;
            }
            // Space between two parts belongs to the value (a b = "a b"); space before the first or after the last does not.
            if (space is not null && parts.Count > 0)
                parts.Add(new SpecHoconNode.Text(space, isWhitespace: true, _file, Line));
            space = null;
            parts.Add(c switch
            {
                '"' => ParseQuotedValue(),
                '{' => ParseObjectValue(fieldPath, depth),
                '[' => ParseList(fieldPath, depth),
                '$' when Peek(1) == '{' => ParseSubstitution(fieldPath),
                _ when StartsUnquoted() => new SpecHoconNode.Text(ReadUnquoted(), isWhitespace: false, _file, Line),
                _ => throw UnexpectedInValue(fieldPath),
            });
        }
        if (parts.Count <= 1)
            return parts.Count == 0 ? null : parts[0];
        if (parts.All(p => p is SpecHoconNode.Text))
            return new SpecHoconNode.Text(string.Concat(parts.Select(p => ((SpecHoconNode.Text)p).Value)), isWhitespace: false, _file, line);
        return new SpecHoconNode.Concatenation(parts, _file, line);
    }

    private SpecHoconException UnexpectedInValue(IReadOnlyList<string> fieldPath)
    {
        var key = InputText.Show(string.Join('.', fieldPath));
        return Peek() switch
        {
            ':' => Error($"':' in the value of '{key}': quote a value that contains ':', e.g. data = \"cifar10:/data/cifar:train\""),
            '=' or '+' => Error($"{Describe()} in the value of '{key}': put each setting on its own line or separate them with ','"),
            '$' => Error($"'$' in the value of '{key}': quote it, or write a substitution as ${{path}}"),
            _ => Error($"{Describe()} cannot appear unquoted in the value of '{key}': quote the value"),
        };
    }

    private SpecHoconNode.Object ParseObjectValue(IReadOnlyList<string> fieldPath, int depth)
    {
        if (depth + 1 > SpecHocon.MaxDepth)
            throw NestingError();
        var open = Line;
        _pos++;
        var value = new SpecHoconNode.Object(_file, open);
        ParseFields(value, open, fieldPath, depth + 1);
        return value;
    }

    private SpecHoconNode.List ParseList(IReadOnlyList<string> fieldPath, int depth)
    {
        if (depth + 1 > SpecHocon.MaxDepth)
            throw NestingError();
        var open = Line;
        _pos++;
        var items = new List<SpecHoconNode>();
        while (true)
        {
            SkipBlank();
            if (AtEnd)
                throw Error(open, "'[' is never closed");
            switch (Peek())
            {
                case ']':
                    _pos++;
                    return new SpecHoconNode.List(items, _file, open);
                case ',':
                    throw Error("',' without a value before it in a list");
                case '}':
                    throw Error($"'}}' where ']' was expected (the '[' of line {open} is still open)");
            }
            items.Add(ParseValue(fieldPath, depth + 1) ?? throw Error($"expected a list element, found {Describe()}"));
            SkipInlineSpaceAndComment();
            if (!AtEnd && Peek() == ',')
            {
                _pos++;
                SkipBlank();
                if (!AtEnd && Peek() == ',')
                    throw Error("',' without a value before it in a list");
                continue;
            }
            if (AtEnd || Peek() is '\n' or ']' or '}')
                continue;
            throw Error($"{Describe()} after a list element: separate elements with ',' or new lines");
        }
    }

    private SpecHoconNode.Substitution ParseSubstitution(IReadOnlyList<string> fieldPath)
    {
        var line = Line;
        _pos += 2;
        var optional = Peek() == '?';
        if (optional)
            _pos++;
        SkipInlineSpace();
        var path = ParsePath("a substitution");
        SkipInlineSpace();
        if (AtEnd || Peek() == '\n')
            throw Error(line, "'${' is never closed");
        if (Peek() != '}')
            throw Error($"{Describe()} in a substitution: write ${{path}} or ${{?path}}");
        _pos++;
        if (path.Count == 0)
            throw Error(line, "empty substitution: write ${path} or ${?path}");
        var substitution = new SpecHoconNode.Substitution(path, optional, _prefix, _file, line);
        // HOCON reads "a = ${a} ..." as "a's earlier value"; Akka cannot, and a spec has no use for it, so it is refused
        // (a reference to a setting that contains this one is a cycle, found when resolving).
        if (StartsWith(_prefix.Concat(path).ToArray(), fieldPath) || (_prefix.Count > 0 && StartsWith(path, fieldPath)))
        {
            throw Error(line, $"{InputText.Show(substitution.Written)} in the value of '{InputText.Show(string.Join('.', fieldPath))}' " +
                              "refers to that setting itself: self-referential substitutions are not supported in a spec");
        }
        return substitution;
    }

    private static bool StartsWith(IReadOnlyList<string> path, IReadOnlyList<string> prefix) =>
        path.Count >= prefix.Count && prefix.Select((key, i) => key == path[i]).All(same => same);

    /// <summary>A path expression (a key or a substitution's path): dotted parts, each unquoted or quoted.</summary>
    private List<string> ParsePath(string what)
    {
        var parts = new List<string>();
        var part = new StringBuilder();
        var hasContent = false;
        string? space = null;
        while (!AtEnd)
        {
            var c = Peek();
            if (c == '.')
            {
                if (!hasContent)
                    throw Error($"an empty part before '.' in {what}");
                parts.Add(part.ToString());
                part.Clear();
                hasContent = false;
                space = null;
                _pos++;
                continue;
            }
            if (IsInlineSpace(c))
            {
                var start = _pos;
                SkipInlineSpace();
                space = _text[start.._pos];
                continue;
            }
            if (c != '"' && !StartsUnquoted())
                break;
            // Space inside a part is kept (a b = 1 sets "a b"), around it dropped, as Akka does.
            if (space is not null && hasContent)
                part.Append(space);
            space = null;
            if (c == '"')
            {
                if (Peek(1) == '"' && Peek(2) == '"')
                    throw Error($"{what} cannot be a triple-quoted string");
                part.Append(ReadQuoted());
            }
            else
            {
                var start = _pos;
                while (!AtEnd && Peek() != '.' && StartsUnquoted())
                    _pos++;
                part.Append(_text, start, _pos - start);
            }
            hasContent = true;
            if (part.Length > SpecHocon.MaxKeyLength)
                throw Error($"a part of {what} is longer than {SpecHocon.MaxKeyLength} characters");
        }
        if (hasContent)
            parts.Add(part.ToString());
        else if (parts.Count > 0)
            throw Error($"{what} ends with '.'");
        return parts;
    }

    private bool StartsUnquoted()
    {
        if (AtEnd)
            return false;
        var c = Peek();
        if (c == '\n' || IsInlineSpace(c) || NotUnquoted.Contains(c))
            return false;
        return !(c == '/' && Peek(1) == '/') && !(c == '+' && Peek(1) == '=');
    }

    private string ReadUnquoted()
    {
        var start = _pos;
        while (StartsUnquoted())
            _pos++;
        return _text[start.._pos];
    }

    private SpecHoconNode.Text ParseQuotedValue()
    {
        var line = Line;
        var value = Peek(1) == '"' && Peek(2) == '"' ? ReadTripleQuoted() : ReadQuoted();
        return new SpecHoconNode.Text(value, isWhitespace: false, _file, line);
    }

    /// <summary>A JSON string: escapes decoded, no raw new line.</summary>
    private string ReadQuoted()
    {
        var line = Line;
        _pos++;
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() == '\n')
                throw Error(line, "a quoted string is never closed (it must end on the line it starts)");
            var c = _text[_pos++];
            if (c == '"')
                return text.ToString();
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }
            if (AtEnd)
                throw Error(line, "a quoted string is never closed");
            var escape = _text[_pos++];
            switch (escape)
            {
                case '"' or '\\' or '/':
                    text.Append(escape);
                    break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'u':
                    text.Append(ReadUnicodeEscape());
                    break;
                default:
                    throw Error($"unknown escape '\\{InputText.Show(escape.ToString())}' in a quoted string");
            }
        }
    }

    /// <summary>The four hex digits after <c>\u</c>; a surrogate must come as a whole pair.</summary>
    private string ReadUnicodeEscape()
    {
        var first = ReadHex4();
        if (char.IsLowSurrogate(first))
            throw Error("'\\u' escape of half a surrogate pair");
        if (!char.IsHighSurrogate(first))
            return first.ToString();
        if (Peek() != '\\' || Peek(1) != 'u')
            throw Error("'\\u' escape of half a surrogate pair");
        _pos += 2;
        var second = ReadHex4();
        if (!char.IsLowSurrogate(second))
            throw Error("'\\u' escape of half a surrogate pair");
        return new string([first, second]);
    }

    private char ReadHex4()
    {
        if (_pos + 4 > _text.Length || !ushort.TryParse(_text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            throw Error("'\\u' must be followed by four hex digits");
        _pos += 4;
        return (char)code;
    }

    private string ReadTripleQuoted()
    {
        var line = Line;
        _pos += 3;
        var end = _text.IndexOf("\"\"\"", _pos, StringComparison.Ordinal);
        if (end < 0)
            throw Error(line, "a \"\"\" string is never closed");
        // """a"""" is a" : quotes before the closing three belong to the string (HOCON).
        while (end + 3 < _text.Length && _text[end + 3] == '"')
            end++;
        var value = _text[_pos..end];
        _pos = end + 3;
        return value;
    }

    private bool AtInclude()
    {
        if (string.CompareOrdinal(_text, _pos, "include", 0, 7) != 0)
            return false;
        var p = _pos + 7;
        if (p >= _text.Length || !IsInlineSpace(_text[p]))
            return false;
        while (p < _text.Length && IsInlineSpace(_text[p]))
            p++;
        var rest = _text.AsSpan(p);
        return rest.StartsWith("\"") || rest.StartsWith("file(") || rest.StartsWith("required(") || rest.StartsWith("url(") || rest.StartsWith("classpath(");
    }

    /// <summary>
    /// <c>include "file"</c>, <c>include file("file")</c> or either inside <c>required(...)</c>: the file's fields are
    /// set here, in place. Every include must exist (HOCON would skip a missing one silently; a spec must not).
    /// </summary>
    private string ParseInclude(SpecHoconNode.Object target, IReadOnlyList<string> path, int depth)
    {
        var line = Line;
        _pos += "include".Length;
        SkipInlineSpace();
        var required = Take("required(");
        if (required)
            SkipInlineSpace();
        foreach (var scheme in new[] { "url(", "classpath(" })
        {
            if (string.CompareOrdinal(_text, _pos, scheme, 0, scheme.Length) == 0)
                throw Error($"include {scheme}...) is not supported: a spec may include only files, as include \"other.conf\" or include file(\"other.conf\")");
        }
        string name;
        if (Take("file("))
        {
            SkipInlineSpace();
            name = Peek() == '"' && !(Peek(1) == '"' && Peek(2) == '"') ? ReadQuoted() : throw Error("include file( must be followed by a quoted file name");
            SkipInlineSpace();
            Expect(')', "include file(\"...\")");
        }
        else if (Peek() == '"' && !(Peek(1) == '"' && Peek(2) == '"'))
        {
            name = ReadQuoted();
        }
        else
        {
            throw Error($"expected a quoted file name after include, found {Describe()}");
        }
        if (required)
        {
            SkipInlineSpace();
            Expect(')', "include required(...)");
        }

        var included = _includes.Open(_file, name, line);
        SpecHoconNode.Object fields;
        try
        {
            fields = ParseFile(included.Text, included.File, path, depth, _includes);
        }
        catch (SpecHoconException e) when (e.IncludedFrom is null)
        {
            throw e.IncludedBy(_file, line);
        }
        finally
        {
            _includes.Close();
        }
        foreach (var (key, value) in fields.Fields)
            SpecHoconNode.Assign(target, key, value);
        return $"include \"{InputText.Show(name)}\"";
    }

    private bool Take(string expected)
    {
        if (string.CompareOrdinal(_text, _pos, expected, 0, expected.Length) != 0)
            return false;
        _pos += expected.Length;
        return true;
    }

    private void Expect(char expected, string construct)
    {
        if (AtEnd || Peek() != expected)
            throw Error($"expected '{expected}' to close {construct}, found {Describe()}");
        _pos++;
    }

    private void SkipInlineSpace()
    {
        while (!AtEnd && IsInlineSpace(Peek()))
            _pos++;
    }

    private void SkipComment()
    {
        var end = _text.IndexOf('\n', _pos);
        _pos = end < 0 ? _text.Length : end;
    }

    private void SkipInlineSpaceAndComment()
    {
        SkipInlineSpace();
        if (AtComment)
            SkipComment();
    }

    /// <summary>Skips space, new lines and comments.</summary>
    private void SkipBlank()
    {
        while (!AtEnd)
        {
            if (Peek() == '\n' || IsInlineSpace(Peek()))
                _pos++;
            else if (AtComment)
                SkipComment();
            else
                return;
        }
    }

    /// <summary>What is at the current position, for a message.</summary>
    private string Describe()
    {
        if (AtEnd)
            return "the end of the file";
        if (Peek() == '\n')
            return "a new line";
        if (Peek() == '+' && Peek(1) == '=')
            return "'+='";
        if (!StartsUnquoted())
            return $"'{InputText.Show(Peek().ToString())}'";
        var start = _pos;
        var end = start;
        while (end < _text.Length && end - start < 30 && !IsInlineSpace(_text[end]) && _text[end] != '\n' && !NotUnquoted.Contains(_text[end]))
            end++;
        return $"'{InputText.Show(_text[start..end])}'";
    }

    private SpecHoconException NestingError() =>
        Error($"nesting deeper than {SpecHocon.MaxDepth} levels of objects, lists and dotted keys (a spec needs a few)");

    private SpecHoconException Error(string problem) => Error(Line, problem);

    private SpecHoconException Error(int line, string problem) => new(_file, line, problem);
}
