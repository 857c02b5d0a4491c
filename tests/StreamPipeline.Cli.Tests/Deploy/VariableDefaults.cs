using System.Text.RegularExpressions;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// Expands the variables of a deployment file's command line as far as the file itself says: <c>${VAR:-default}</c>
/// and <c>${VAR-default}</c> to VAR's known value or else the default, <c>$VAR</c> and <c>${VAR}</c> to a known value
/// (or what <paramref name="unknown"/> gives). Known values are the script's own assignments; a compose file has none,
/// so its variables take their defaults, as on a machine that sets none of them.
/// </summary>
public static partial class VariableDefaults
{
    public static string Expand(string text, IReadOnlyDictionary<string, string> known, Func<string, string> unknown)
    {
        var result = Reference().Replace(text, m =>
        {
            if (m.Value == "$$")
                return "$";
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["bare"].Value;
            if (known.TryGetValue(name, out var value))
                return value;
            return m.Groups["default"].Success ? Expand(m.Groups["default"].Value, known, unknown) : unknown(m.Value);
        });
        return result;
    }

    // ${NAME:-default}, ${NAME-default}, ${NAME:?message} (no default), ${NAME}, $NAME, and $$ (a literal $ in compose).
    [GeneratedRegex(@"\$\$|\$\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?::?-)(?<default>(?:[^{}]|\{[^{}]*\})*)|:?\?[^}]*)?\}|\$(?<bare>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Reference();
}
