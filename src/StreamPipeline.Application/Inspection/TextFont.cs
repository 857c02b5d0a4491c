using SkiaSharp;

namespace StreamPipeline.Application.Inspection;

/// <summary>
/// The font family the program draws text in (example grids, the experiment's plots): the first sans-serif family
/// Debian packages ship that is installed. SkiaSharp (the no-fontconfig build) scans /usr/share/fonts; with no font
/// there it draws no text at all, silently, so that case is an error here instead.
/// </summary>
public static class TextFont
{
    private static readonly string[] Preferred = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans"];

    /// <exception cref="InvalidOperationException">No TrueType font is installed.</exception>
    public static string Family()
    {
        foreach (var name in Preferred)
        {
            using var typeface = SKFontManager.Default.MatchFamily(name);
            if (typeface?.FamilyName == name)
                return name;
        }
        using var fallback = SKFontManager.Default.MatchFamily(null);
        if (fallback is null || string.IsNullOrEmpty(fallback.FamilyName) || SKFontManager.Default.FontFamilyCount == 0)
            throw new InvalidOperationException(
                "cannot draw text: no TrueType font found under /usr/share/fonts (on Debian: apt-get install fonts-dejavu-core)");
        return fallback.FamilyName;
    }
}
