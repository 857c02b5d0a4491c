using StreamPipeline.Configuration;
using StreamPipeline.Pipeline.Specs;
using static StreamPipeline.Pipeline.Tests.Configuration.SpecHoconText;

namespace StreamPipeline.Pipeline.Tests.Configuration;

/// <summary>
/// Hostile spec text ends in one <see cref="ArgumentException"/> line, <c>spec FILE: line N: problem</c> (exit code 2 at
/// the command line), never in a stack overflow, a silently accepted fragment or an unrelated exception.
/// </summary>
public class SpecHoconRefusalTests
{
    private const string Unset = "NOPE_SPEC_HOCON_UNSET";

    [Theory]
    [InlineData("a = ${b}\nb = ${a}", "line 1: substitution cycle: ${b} (line 1) -> ${a} (line 2) -> ${b} again")]
    [InlineData("a = ${b}\nb = ${c}\nc = [1, ${a}]", "substitution cycle: ${b} (line 1) -> ${c} (line 2) -> ${a} (line 3)")]
    [InlineData("seed = ${max-retries}\nmax-retries = ${seed}", "substitution cycle")]
    [InlineData("a { b = ${a} }", "substitution cycle: ${a} (line 1), which is inside the value it refers to")]
    [InlineData("a { b { c = ${a.b} } }", "substitution cycle")]
    [InlineData("a = ${?b}\nb = ${?a}", "substitution cycle")]
    [InlineData("a = x ${b}\nb = y ${a}", "substitution cycle")]
    public void Substitution_cycle_is_refused_naming_its_steps(string text, string expected)
    {
        Refusal(text, "cycle.conf", expected);
    }

    [Theory]
    [InlineData("a = ${a}")]
    [InlineData("a = ${?a}")]
    [InlineData("a = ${a} x")]
    [InlineData("a = [${a}]")]
    [InlineData("a.b = ${a.b.c}")]
    [InlineData("a { b = ${a.b} }")]
    public void Self_referential_substitution_is_refused(string text)
    {
        Refusal(text, "self.conf", "line 1: ", "refers to that setting itself");
    }

    [Theory]
    [InlineData("a += 1")]
    [InlineData("devices = [cpu]\ndevices += cuda")]
    [InlineData("a { b += [1] }")]
    public void Append_with_plus_equals_is_refused_even_on_an_undefined_path(string text)
    {
        Refusal(text, "append.conf", "+=' (append to a list) is not supported in a spec");
    }

    public static TheoryData<string, string> DeepNesting() => new()
    {
        { "100,000 objects", string.Concat(Enumerable.Repeat("a{", 100_000)) + new string('}', 100_000) },
        { "100,000 lists", "a = " + new string('[', 100_000) + new string(']', 100_000) },
        { "100,000 unclosed lists", "a = " + new string('[', 100_000) },
        { "100,000 dotted key parts", string.Join('.', Enumerable.Repeat("a", 100_000)) + " = 1" },
        { "objects in lists", "a = " + string.Concat(Enumerable.Repeat("[{a = ", 50_000)) },
        { "one more than the bound", string.Concat(Enumerable.Repeat("a {", SpecHocon.MaxDepth)) + new string('}', SpecHocon.MaxDepth) },
    };

    [Theory]
    [MemberData(nameof(DeepNesting))]
    public void Nesting_deeper_than_the_bound_is_refused_without_recursing_into_it(string what, string text)
    {
        Assert.NotEmpty(what);
        Refusal(text, "deep.conf", "line 1: ", $"nesting deeper than {SpecHocon.MaxDepth} levels");
    }

    [Fact]
    public void Substitutions_that_nest_values_past_the_bound_are_refused()
    {
        // Each step is shallow; the value they build by copying one into the next is not.
        var text = string.Join('\n', Enumerable.Range(0, 100).Select(i => $"a{i} {{ x = ${{a{i + 1}}} }}")) + "\na100 = 1";

        Refusal(text, "deep.conf", $"nest values deeper than {SpecHocon.MaxDepth} levels");
    }

    [Fact]
    public void Long_chain_of_substitutions_is_refused()
    {
        var text = string.Join('\n', Enumerable.Range(0, 5_000).Select(i => $"a{i} = ${{a{i + 1}}}")) + "\na5000 = 1";

        Refusal(text, "chain.conf", $"substitutions nest deeper than {SpecHocon.MaxResolveDepth} levels");
    }

    [Fact]
    public void Short_chain_of_substitutions_resolves()
    {
        var text = string.Join('\n', Enumerable.Range(0, 50).Select(i => $"a{i} = ${{a{i + 1}}}")) + "\na50 = done";

        Assert.Equal("done", SpecHocon.Parse(text, "chain.conf").GetString("a0"));
    }

    [Theory]
    [InlineData("a = [x, x, x, x]")]
    [InlineData("a = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("a { b = xxxxxxxx, c = yyyyyyyyy }")]
    public void Substitutions_that_double_the_spec_again_and_again_are_refused(string seed)
    {
        // 40 doublings would be 2^40 copies: refused when the copies pass the bound, long before memory runs out.
        var text = seed + "\n" + string.Join('\n', Enumerable.Range(1, 40).Select(i =>
            seed.StartsWith("a = [", StringComparison.Ordinal) ? $"a{i} = ${{a{Prev(i)}}} ${{a{Prev(i)}}}"
            : seed.StartsWith("a {", StringComparison.Ordinal) ? $"a{i} {{ l = ${{a{Prev(i)}}}, r = ${{a{Prev(i)}}} }}"
            : $"a{i} = ${{a{Prev(i)}}}${{a{Prev(i)}}}"));

        Refusal(text, "laughs.conf", "larger than");

        static string Prev(int i) => i == 1 ? "" : (i - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("attack {\n  eps = 0.5\n", "line 1: '{' is never closed")]
    [InlineData("a = [1,\n2\n", "line 1: '[' is never closed")]
    [InlineData("{ a = 1", "line 1: '{' is never closed")]
    [InlineData("a = 1\nb = ${a\n", "line 2: '${' is never closed")]
    [InlineData("a = ${a.", "line 1: a substitution ends with '.'")]
    [InlineData("a { b = [1, 2 }", "line 1: '}' where ']' was expected")]
    [InlineData("a { b = 1 ]", "line 1: ']' where '}' was expected")]
    public void Unclosed_brace_bracket_or_substitution_is_refused_naming_where_it_opened(string text, string expected)
    {
        Refusal(text, "unclosed.conf", expected);
    }

    [Theory]
    [InlineData("seed = 1 }}} ]]", "line 1: '}' without a matching '{'")]
    [InlineData("a = 1\n]", "line 2: ']' without a matching '['")]
    [InlineData("a = 1\n}\nb = 2", "line 2: '}' without a matching '{'")]
    [InlineData("{ a = 1 }\nb = 2", "line 2: 'b' after the '}' that closes the root object")]
    [InlineData("{ a = 1 } }", "line 1: '}' after the '}' that closes the root object")]
    [InlineData("a = 1 b = 2", "line 1: '=' in the value of 'a': put each setting on its own line")]
    [InlineData("a = 1,, b = 2", "line 1: ',' without a setting before it")]
    [InlineData("a = [1,,2]", "line 1: ',' without a value before it in a list")]
    [InlineData("a = [1 2] 3 ]", "line 1: ']' without a matching '['")]
    [InlineData("a { } x", "line 1: a value joins an object and a string")]
    [InlineData("a = [1] x", "line 1: a value joins a list and a string")]
    [InlineData("a", "line 1: expected '=', ':' or '{' after 'a', found the end of the file")]
    [InlineData("a =", "line 1: 'a' has no value (found the end of the file)")]
    [InlineData("a = \n}", "line 2: 'a' has no value (found '}')")]
    [InlineData("= 1", "line 1: expected a setting name, found '='")]
    [InlineData("a..b = 1", "line 1: an empty part before '.' in a setting name")]
    [InlineData("a. = 1", "line 1: a setting name ends with '.'")]
    public void Stray_closing_bracket_or_trailing_text_is_refused(string text, string expected)
    {
        Refusal(text, "trailing.conf", expected);
    }

    [Theory]
    [InlineData("a = \"abc", "line 1: a quoted string is never closed")]
    [InlineData("a = \"abc\nb = 1\"", "line 1: a quoted string is never closed")]
    [InlineData("a = \"abc\\", "line 1: a quoted string is never closed")]
    [InlineData("a = 1\nb = \"\"\"abc\n\nc = 2", "line 2: a \"\"\" string is never closed")]
    [InlineData("\"abc = 1", "line 1: a quoted string is never closed")]
    [InlineData("\"\"\"a\"\"\" = 1", "line 1: a setting name cannot be a triple-quoted string")]
    [InlineData("a = \"\\q\"", "line 1: unknown escape '\\q'")]
    [InlineData("a = \"\\u12\"", "line 1: '\\u' must be followed by four hex digits")]
    [InlineData("a = \"\\u12G4\"", "line 1: '\\u' must be followed by four hex digits")]
    [InlineData("a = \"\\uD800\"", "line 1: '\\u' escape of half a surrogate pair")]
    [InlineData("a = \"\\uDC00\\uD800\"", "line 1: '\\u' escape of half a surrogate pair")]
    public void Unterminated_or_malformed_string_is_refused(string text, string expected)
    {
        Refusal(text, "strings.conf", expected);
    }

    [Theory]
    [InlineData("a = 1\0", "line 1: a NUL character")]
    [InlineData("a = 1\n# comment \0 inside\n", "line 2: a NUL character")]
    [InlineData("a = \"x\u0001y\"", "line 1: control character U+0001")]
    [InlineData("a = 1\u007f", "line 1: control character U+007F")]
    public void Nul_and_control_characters_are_refused_as_not_text(string text, string expected)
    {
        Refusal(text, "binary.conf", expected);
    }

    [Fact]
    public void Broken_utf16_text_is_refused()
    {
        // Not an InlineData: xunit would replace the lone surrogate when it serialises the case.
        Refusal("a = 1\nb = x" + '\ud800', "broken.conf", "line 2: half of a UTF-16 surrogate pair");
    }

    [Theory]
    [InlineData("data = fashion-mnist:train", "line 1: ':' in the value of 'data': quote a value that contains ':'")]
    [InlineData("a = x?y", "line 1: '?' cannot appear unquoted in the value of 'a'")]
    [InlineData("a = $x", "line 1: '$' in the value of 'a': quote it")]
    [InlineData("a = `x`", "line 1: '`' cannot appear unquoted")]
    [InlineData("a = x\\y", "line 1: '\\' cannot appear unquoted")]
    [InlineData("a = ${}", "line 1: empty substitution")]
    [InlineData("a = ${b c d e", "line 1: '${' is never closed")]
    [InlineData("a = ${b = c}", "line 1: '=' in a substitution")]
    [InlineData("a = ${\"\"\"b\"\"\"}", "line 1: a substitution cannot be a triple-quoted string")]
    public void Characters_that_hocon_reserves_are_refused_with_a_hint(string text, string expected)
    {
        Refusal(text, "reserved.conf", expected);
    }

    [Fact]
    public void Substitution_of_a_path_set_nowhere_is_refused_naming_it()
    {
        Refusal($"a = 1\nb = ${{{Unset}}}", "unset.conf",
            $"line 2: ${{{Unset}}}: '{Unset}' is set neither in the spec nor as an environment variable (write ${{?{Unset}}} for an optional value)");
    }

    [Fact]
    public void Job_spec_with_a_substitution_set_nowhere_is_refused_naming_the_file_and_line()
    {
        var error = Assert.Throws<ArgumentException>(() => JobSpecLoader.Parse($"construction = det\nmodel = m\ndata = d\nseed = ${{{Unset}}}", source: "bad.conf"));

        AssertOneLine(error, "bad.conf", "line 4: ", Unset);
    }

    [Fact]
    public void Very_long_key_is_refused_and_one_at_the_bound_is_accepted()
    {
        Refusal(new string('k', 1_000_000) + " = 1", "keys.conf", $"line 1: a part of a setting name is longer than {SpecHocon.MaxKeyLength} characters");
        Refusal("a = ${" + new string('k', 10_000) + "}", "keys.conf", $"a part of a substitution is longer than {SpecHocon.MaxKeyLength}");

        Assert.Equal(1, SpecHocon.Parse(new string('k', SpecHocon.MaxKeyLength) + " = 1", "keys.conf").GetInt(new string('k', SpecHocon.MaxKeyLength)));
    }

    [Fact]
    public void Text_larger_than_the_bound_is_refused_before_parsing()
    {
        Refusal("a = \"" + new string('x', SpecHocon.MaxFileBytes) + "\"", "huge.conf", "is larger than 1024 KiB");
    }

    [Fact]
    public void Error_message_quotes_user_text_short_and_escaped()
    {
        var message = Refusal("a = 1 " + new string('x', 5000) + "\u2028= 2", "quote.conf");

        Assert.DoesNotContain('\u2028', message);
    }
}
