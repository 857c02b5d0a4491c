namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>The integer arithmetic of a shell's <c>$(( … ))</c>: numbers, variables, + - * / % and parentheses.</summary>
public sealed class ArithmeticExpression
{
    private readonly string _text;
    private readonly Func<string, long> _variable;
    private int _at;

    private ArithmeticExpression(string text, Func<string, long> variable)
    {
        _text = text;
        _variable = variable;
    }

    /// <summary>The value, or null when the expression holds anything else (then it is left as written).</summary>
    public static long? TryEvaluate(string text, Func<string, long> variable)
    {
        var parser = new ArithmeticExpression(text, variable);
        try
        {
            var value = parser.Sum();
            parser.SkipSpaces();
            return parser._at == text.Length ? value : null;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (DivideByZeroException)
        {
            return null;
        }
    }

    private long Sum()
    {
        var value = Product();
        while (Next() is '+' or '-')
            value = _text[_at++] == '+' ? value + Product() : value - Product();
        return value;
    }

    private long Product()
    {
        var value = Unary();
        while (Next() is '*' or '/' or '%')
        {
            var op = _text[_at++];
            var right = Unary();
            value = op == '*' ? value * right : op == '/' ? value / right : value % right;
        }
        return value;
    }

    private long Unary()
    {
        switch (Next())
        {
            case '-':
                _at++;
                return -Unary();
            case '+':
                _at++;
                return Unary();
            case '(':
                _at++;
                var inner = Sum();
                if (Next() != ')') throw new FormatException("')' expected");
                _at++;
                return inner;
        }
        var start = _at;
        if (_at < _text.Length && char.IsAsciiDigit(_text[_at]))
        {
            while (_at < _text.Length && char.IsAsciiDigit(_text[_at])) _at++;
            return long.Parse(_text.AsSpan(start, _at - start), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (_at < _text.Length && _text[_at] == '$') start = ++_at;
        while (_at < _text.Length && (char.IsAsciiLetterOrDigit(_text[_at]) || _text[_at] == '_')) _at++;
        if (_at == start) throw new FormatException("a number or a variable expected");
        return _variable(_text[start.._at]);
    }

    private char? Next()
    {
        SkipSpaces();
        return _at < _text.Length ? _text[_at] : null;
    }

    private void SkipSpaces()
    {
        while (_at < _text.Length && _text[_at] == ' ') _at++;
    }
}
