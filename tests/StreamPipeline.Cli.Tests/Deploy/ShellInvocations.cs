using System.Text;
using System.Text.RegularExpressions;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// The program's command lines in a shell script (deploy/slurm/*.sbatch, deploy/**/*.sh), by this convention:
/// <list type="bullet">
/// <item>an invocation is a simple command whose command word is <c>"$SP"</c> (or <c>${SP}</c>, or any variable the
/// script sets to a value ending in <c>stream-pipeline</c>, such as <c>SP=${SP:-stream-pipeline}</c>) or
/// <c>stream-pipeline</c> / <c>…/stream-pipeline</c>; before it may stand <c>VAR=value</c> assignments, <c>exec</c>,
/// <c>env</c>, <c>nohup</c>, <c>time</c>, <c>if</c>/<c>then</c>/<c>do</c>/<c>!</c>, and <c>srun</c> (or <c>mpirun</c>,
/// <c>numactl</c>, <c>taskset</c>) with options written as <c>--option=value</c>;</item>
/// <item>lines continue with a trailing <c>\</c>; <c>;</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>|</c>, <c>&amp;</c> end
/// a command; redirections and comments are dropped; <c>"$@"</c> and arrays (<c>"${flags[@]}"</c>: arguments
/// passed through, whatever the user gives) are dropped;</item>
/// <item>variables expand to the script's own earlier assignments (<c>THREADS=${SLURM_CPUS_PER_TASK:-4}</c>), else
/// to their default (<c>${VAR:-default}</c>), else stay as written: a value an option must read as a number needs a
/// default in the script; <c>$(( … ))</c> is computed as bash does, an unset variable counting 0;</item>
/// <item>not seen: invocations inside <c>$( … )</c>, backquotes, functions called by another name, or <c>eval</c>.</item>
/// </list>
/// </summary>
public static partial class ShellInvocations
{
    /// <summary>The variable a script keeps the program's path in, by convention.</summary>
    public const string ProgramVariable = "SP";

    private static readonly HashSet<string> Keywords = ["if", "then", "else", "elif", "do", "while", "until", "!", "{", "exec", "nohup", "time", "env"];
    private static readonly HashSet<string> Wrappers = ["srun", "mpirun", "mpiexec", "numactl", "taskset"];
    private static readonly HashSet<string> PassThrough = ["$@", "${@}", "$*", "${*}"];

    private static bool IsPassThrough(Word word) => PassThrough.Contains(word.Raw) || ArrayExpansion().IsMatch(word.Raw);

    public static IReadOnlyList<ProgramInvocation> Read(string file, string text)
    {
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        var programVariables = new HashSet<string>(StringComparer.Ordinal) { ProgramVariable };
        var found = new List<ProgramInvocation>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var start = n;
            var logical = new StringBuilder();
            var line = lines[n];
            while (EndsWithContinuation(line) && n + 1 < lines.Length)
            {
                logical.Append(line, 0, line.Length - 1);
                line = lines[++n];
            }
            logical.Append(line);
            var (words, heredoc) = Tokenize(logical.ToString());
            if (heredoc is not null)
            {
                while (n + 1 < lines.Length && lines[n + 1].Trim() != heredoc)
                    n++;
                n++;
            }
            foreach (var command in Split(words))
            {
                if (Invocation(command, known, programVariables) is { } args)
                    found.Add(new ProgramInvocation(file, $"line {start + 1}", args));
            }
        }
        return found;
    }

    private static bool EndsWithContinuation(string line)
    {
        var backslashes = line.Length - line.TrimEnd('\\').Length;
        return backslashes % 2 == 1;
    }

    /// <summary>The arguments when the command runs the program; records its assignments otherwise.</summary>
    private static List<string>? Invocation(List<Word> command, Dictionary<string, string> known, HashSet<string> programVariables)
    {
        var i = 0;
        var assignments = new List<(string Name, string Value)>();
        while (i < command.Count)
        {
            var word = command[i];
            if (word.Assignment() is { } assignment)
            {
                assignments.Add((assignment.Name, assignment.Value.Expand(known)));
                i++;
            }
            else if (Keywords.Contains(word.Raw) || (assignments.Count == 0 && word.Raw is "export" or "local" or "readonly" or "declare"))
            {
                i++;
            }
            else if (Wrappers.Contains(word.Raw))
            {
                // Its options, whatever their form, up to the program (srun -n 1 --gpus-per-task=1 "$SP" …).
                var program = command.FindIndex(i + 1, w => IsProgramWord(w, known, programVariables));
                if (program < 0)
                    return null;
                i = program;
                break;
            }
            else
            {
                break;
            }
        }
        if (i == command.Count)
        {
            // Only assignments: they hold for the rest of the script.
            foreach (var (name, value) in assignments)
            {
                known[name] = value;
                if (IsProgram(value))
                    programVariables.Add(name);
            }
            return null;
        }
        if (!IsProgramWord(command[i], known, programVariables))
            return null;
        return command.Skip(i + 1).Where(w => !IsPassThrough(w)).Select(w => w.Expand(known)).ToList();
    }

    private static bool IsProgramWord(Word word, IReadOnlyDictionary<string, string> known, HashSet<string> programVariables) =>
        IsProgram(word.Expand(known)) || (ProgramReference().Match(word.Raw) is { Success: true } m && programVariables.Contains(m.Groups["name"].Value));

    private static bool IsProgram(string value) => value == "stream-pipeline" || value.EndsWith("/stream-pipeline", StringComparison.Ordinal);

    private static IEnumerable<List<Word>> Split(List<Word?> words)
    {
        var current = new List<Word>();
        foreach (var word in words)
        {
            if (word is null)
            {
                if (current.Count > 0) yield return current;
                current = [];
            }
            else
            {
                current.Add(word);
            }
        }
        if (current.Count > 0) yield return current;
    }

    /// <summary>The words of one logical line, null where an operator ends a command; and a here-document's delimiter.</summary>
    private static (List<Word?> Words, string? Heredoc) Tokenize(string line)
    {
        var words = new List<Word?>();
        var segments = new List<Segment>();
        var plain = new StringBuilder();
        string? heredoc = null;
        var skipNext = false; // the next word is a redirection's target

        void EndPlain()
        {
            if (plain.Length == 0) return;
            segments.Add(new Segment(plain.ToString(), Literal: false));
            plain.Clear();
        }
        void EndWord()
        {
            EndPlain();
            if (segments.Count == 0) return;
            if (skipNext)
            {
                if (heredoc == "") heredoc = string.Concat(segments.Select(s => s.Text)).TrimStart('-');
                skipNext = false;
            }
            else
            {
                words.Add(new Word([.. segments]));
            }
            segments.Clear();
        }

        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c is ' ' or '\t')
            {
                EndWord();
                i++;
            }
            else if (c == '#' && plain.Length == 0 && segments.Count == 0)
            {
                break;
            }
            else if (c == '\'')
            {
                EndPlain();
                var end = line.IndexOf('\'', i + 1);
                end = end < 0 ? line.Length : end;
                segments.Add(new Segment(line[(i + 1)..end], Literal: true));
                segments.Add(new Segment("", Literal: true)); // an empty '' is still a word
                i = end + 1;
            }
            else if (c == '"')
            {
                EndPlain();
                var text = new StringBuilder();
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        if (line[i + 1] == '$')
                        {
                            segments.Add(new Segment(text.ToString(), Literal: false));
                            text.Clear();
                            segments.Add(new Segment("$", Literal: true));
                        }
                        else
                        {
                            text.Append(line[i + 1]);
                        }
                        i += 2;
                    }
                    else
                    {
                        text.Append(line[i++]);
                    }
                }
                segments.Add(new Segment(text.ToString(), Literal: false));
                segments.Add(new Segment("", Literal: true));
                i++;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                EndPlain();
                segments.Add(new Segment(line[i + 1].ToString(), Literal: true));
                i += 2;
            }
            else if (c == '$' && i + 1 < line.Length && line[i + 1] is '(' or '{')
            {
                // $( … ) and ${ … } stay inside the word, whole (a command substitution is opaque here).
                var close = line[i + 1] == '(' ? ')' : '}';
                var depth = 0;
                var j = i + 1;
                for (; j < line.Length; j++)
                {
                    if (line[j] == line[i + 1]) depth++;
                    else if (line[j] == close && --depth == 0) break;
                }
                plain.Append(line, i, Math.Min(j + 1, line.Length) - i);
                i = j + 1;
            }
            else if (c is '<' or '>')
            {
                // A redirection: N> or N< (the digits before are its file descriptor), its operator, then its target.
                if (segments.Count == 0 && plain.Length > 0 && plain.ToString().All(char.IsAsciiDigit))
                    plain.Clear();
                EndWord();
                var j = i;
                while (j < line.Length && line[j] is '<' or '>' or '&' or '|' or '-') j++;
                var op = line[i..j];
                if (op.StartsWith("<<", StringComparison.Ordinal) && !op.StartsWith("<<<", StringComparison.Ordinal))
                    heredoc = "";
                i = j;
                if (op.EndsWith('&') && i < line.Length && (char.IsAsciiDigit(line[i]) || line[i] == '-'))
                {
                    while (i < line.Length && (char.IsAsciiDigit(line[i]) || line[i] == '-')) i++;
                }
                else
                {
                    skipNext = true;
                }
            }
            else if (c is ';' or '&' or '|' or '(' or ')')
            {
                EndWord();
                if (c == '&' && i + 1 < line.Length && line[i + 1] == '>')
                {
                    i++;
                    continue; // &> FILE: a redirection, handled above
                }
                words.Add(null);
                i++;
                while (i < line.Length && line[i] is ';' or '&' or '|') i++;
            }
            else if (c == '`')
            {
                var end = line.IndexOf('`', i + 1);
                var stop = end < 0 ? line.Length : end + 1;
                plain.Append(line, i, stop - i);
                i = stop;
            }
            else
            {
                plain.Append(c);
                i++;
            }
        }
        EndWord();
        return (words, string.IsNullOrEmpty(heredoc) ? null : heredoc.Trim('\'', '"'));
    }

    [GeneratedRegex(@"^\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?$")]
    private static partial Regex ProgramReference();

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*\[[@*]\]\}$")]
    private static partial Regex ArrayExpansion();

    [GeneratedRegex(@"\$\(\((?<expression>[^()]*(?:\([^()]*\)[^()]*)*)\)\)")]
    private static partial Regex Arithmetic();

    /// <summary>$(( … )) as bash computes it (integers; + - * / % and parentheses; a variable unset or not a number is 0); as written when it holds anything else.</summary>
    private static string Compute(string text, IReadOnlyDictionary<string, string> known) =>
        Arithmetic().Replace(text, m => ArithmeticExpression.TryEvaluate(m.Groups["expression"].Value,
            name => known.TryGetValue(name, out var v) && long.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0) is { } value
            ? value.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : m.Value);

    [GeneratedRegex(@"^(?<name>[A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex AssignmentStart();

    /// <summary>Part of a word: quoted with '' (literal), or else subject to variable expansion.</summary>
    private sealed record Segment(string Text, bool Literal);

    private sealed record Word(IReadOnlyList<Segment> Segments)
    {
        /// <summary>The word with its quotes removed, variables as written.</summary>
        public string Raw => string.Concat(Segments.Select(s => s.Text));

        public string Expand(IReadOnlyDictionary<string, string> known) =>
            string.Concat(Segments.Select(s => s.Literal ? s.Text : Compute(VariableDefaults.Expand(s.Text, known, reference => reference), known)));

        /// <summary>NAME=value, when the word starts with an unquoted NAME=.</summary>
        public (string Name, Word Value)? Assignment()
        {
            if (Segments.Count == 0 || Segments[0].Literal || AssignmentStart().Match(Segments[0].Text) is not { Success: true } m)
                return null;
            var name = m.Groups["name"].Value;
            return (name, new Word([Segments[0] with { Text = Segments[0].Text[(name.Length + 1)..] }, .. Segments.Skip(1)]));
        }
    }
}
