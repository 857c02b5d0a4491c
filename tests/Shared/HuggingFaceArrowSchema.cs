using System.Text.Json;
using DuckDB.NET.Data;

namespace StreamPipeline.Tests.Shared;

/// <summary>
/// Which columns of a Parquet file Hugging Face <c>datasets</c> reads with the feature its <c>huggingface</c> metadata
/// names, worked out the way <c>datasets</c> and pyarrow do it, with no code of the program under test: the Arrow field
/// each feature implies (from the metadata alone) against the Arrow field pyarrow makes of the file's Parquet schema
/// (read by DuckDB's <c>parquet_schema()</c>). Fields are written as pyarrow prints them (<c>label: int64</c>,
/// <c>image: struct&lt;bytes: binary not null, path: string&gt; not null</c>), so name, type and nullability — children
/// included — are compared at once.
/// </summary>
/// <remarks>
/// <c>datasets</c> (huggingface/datasets @ b7cb10b, src/datasets/features/features.py) in <c>Features.from_arrow_schema</c>
/// (lines 1966-1981) keeps <c>metadata_features[name]</c> only if <c>metadata_features.arrow_schema.field(name) == field</c>
/// (line 1976; the same test is in 2.17.0 at line 1681), else it falls back to <c>generate_from_arrow_type</c>: an Image
/// column becomes a plain dict, a ClassLabel a plain int. pyarrow's <c>Field ==</c> compares name, type and nullability
/// (metadata not). The implied schema is <c>pa.schema(get_nested_type(features))</c> (lines 1939-1947, 1415-1431): a
/// <c>pa.struct({...})</c>, so every field nullable; <c>Value(dtype).pa_type = string_to_arrow(dtype)</c> (lines 555-560,
/// 128-160: <c>pa.__dict__[dtype]()</c>, else <c>dtype + "_"</c>), after "float" → "float32" and "double" → "float64";
/// <c>ClassLabel.pa_type = pa.int64()</c> (line 1037); <c>Image.pa_type = pa.struct({"bytes": pa.binary(), "path":
/// pa.string()})</c> (features/image.py line 92), children nullable too.
/// The file side follows Arrow's Parquet reader (apache/arrow, cpp/src/parquet/arrow/schema.cc <c>GroupToStruct</c>:
/// a group is a struct, nullable iff OPTIONAL, as is a leaf; schema_internal.cc <c>GetArrowType</c>: BOOLEAN → bool,
/// INT32 → int32 (INT(8/16) → int8/int16, unsigned likewise), INT64 → int64, FLOAT → float, DOUBLE → double, BYTE_ARRAY →
/// binary, or string with the STRING/UTF8 annotation). That holds only when the file carries no <c>ARROW:schema</c> key
/// (pyarrow would restore the schema stored there), which is checked.
/// </remarks>
public static class HuggingFaceArrowSchema
{
    /// <summary>The Arrow field each feature of the <c>huggingface</c> metadata value implies, by column name.</summary>
    public static IReadOnlyDictionary<string, string> FromFeatures(string huggingfaceJson)
    {
        using var doc = JsonDocument.Parse(huggingfaceJson);
        var features = doc.RootElement.GetProperty("info").GetProperty("features");
        return features.EnumerateObject().ToDictionary(p => p.Name, p => $"{p.Name}: {FeatureType(p.Value)}", StringComparer.Ordinal);
    }

    /// <summary>The Arrow fields pyarrow reads from the file's Parquet schema, in column order.</summary>
    public static IReadOnlyList<(string Name, string Field)> FromParquetFile(DuckDBConnection db, string path)
    {
        var quoted = path.Replace("'", "''");
        var keys = DuckDbRows.Query(db, $"SELECT key FROM parquet_kv_metadata('{quoted}')").Select(r => DuckDbRows.Utf8(r[0])).ToList();
        if (keys.Contains("ARROW:schema"))
            throw new NotSupportedException($"{path} carries ARROW:schema: pyarrow reads its stored schema, which this derivation does not model");
        var elements = DuckDbRows.Query(db,
                $"SELECT name, type, repetition_type, num_children, converted_type, logical_type FROM parquet_schema('{quoted}')")
            .Select(r => new Element((string)r[0]!, (string?)r[1], (string?)r[2], r[3] is null ? 0 : Convert.ToInt32(r[3]), (string?)r[4], (string?)r[5]))
            .ToList();
        var next = 1; // element 0 is the root
        var fields = new List<(string, string)>();
        for (var i = 0; i < elements[0].Children; i++)
        {
            var (name, type, nullable) = Walk();
            fields.Add((name, Render(name, type, nullable)));
        }
        return next == elements.Count ? fields : throw new InvalidDataException($"{path}: {elements.Count - next} schema elements left over");

        (string Name, string Type, bool Nullable) Walk()
        {
            var e = elements[next++];
            if (e.Repetition == "REPEATED" || e.ConvertedType is "LIST" or "MAP" or "MAP_KEY_VALUE")
                throw new NotSupportedException($"{path}: column {e.Name} is a list or map; not modelled here");
            var nullable = e.Repetition == "OPTIONAL";
            if (e.Children == 0 && e.PhysicalType is not null)
                return (e.Name, LeafType(e, path), nullable);
            var children = Enumerable.Range(0, e.Children).Select(_ => Walk()).Select(c => Render(c.Name, c.Type, c.Nullable));
            return (e.Name, $"struct<{string.Join(", ", children)}>", nullable);
        }
    }

    /// <summary>The feature names that <c>datasets</c> keeps: their implied field equals the file's field.</summary>
    public static IReadOnlyList<string> KeptFeatures(IReadOnlyDictionary<string, string> implied, IReadOnlyList<(string Name, string Field)> file) =>
        file.Where(f => implied.TryGetValue(f.Name, out var want) && want == f.Field).Select(f => f.Name).ToList();

    private static string Render(string name, string type, bool nullable) => $"{name}: {type}{(nullable ? "" : " not null")}";

    private static string FeatureType(JsonElement feature)
    {
        var type = feature.GetProperty("_type").GetString();
        return type switch
        {
            "Value" => ValueType(feature.GetProperty("dtype").GetString()!),
            "ClassLabel" => "int64",
            "Image" => "struct<bytes: binary, path: string>",
            _ => throw new NotSupportedException($"feature type {type} is not modelled here"),
        };
    }

    // string_to_arrow(dtype), as pyarrow prints the type it returns.
    private static string ValueType(string dtype) => dtype switch
    {
        "float" or "float32" => "float",
        "double" or "float64" => "double",
        "float16" => "halffloat",
        "bool" => "bool",
        "int8" or "int16" or "int32" or "int64" or "uint8" or "uint16" or "uint32" or "uint64" => dtype,
        "string" or "large_string" or "binary" or "large_binary" or "null" => dtype,
        _ => throw new NotSupportedException($"Value dtype {dtype} is not modelled here"),
    };

    private static string LeafType(Element e, string path)
    {
        // DuckDB prints a logical IntType's bit width as a raw byte, so integer widths come from the converted type,
        // which every writer here also sets (Arrow derives the one from the other when only one is present).
        var logical = e.LogicalType?.Split('(')[0];
        if (logical is not (null or "IntType" or "StringType"))
            throw new NotSupportedException($"{path}: column {e.Name} has logical type {e.LogicalType}; not modelled here");
        if (logical == "IntType" && e.ConvertedType is null)
            throw new NotSupportedException($"{path}: column {e.Name}: integer width unknown");
        return (e.PhysicalType, e.ConvertedType) switch
        {
            ("BOOLEAN", null) => "bool",
            ("INT32", null or "INT_32") => "int32",
            ("INT32", "INT_8") => "int8",
            ("INT32", "INT_16") => "int16",
            ("INT32", "UINT_8") => "uint8",
            ("INT32", "UINT_16") => "uint16",
            ("INT32", "UINT_32") => "uint32",
            ("INT64", null or "INT_64") => "int64",
            ("INT64", "UINT_64") => "uint64",
            ("FLOAT", null) => "float",
            ("DOUBLE", null) => "double",
            ("BYTE_ARRAY", "UTF8") => "string",
            ("BYTE_ARRAY", null) when logical == "StringType" => "string",
            ("BYTE_ARRAY", null) => "binary",
            _ => throw new NotSupportedException($"{path}: column {e.Name}: {e.PhysicalType}/{e.ConvertedType} not modelled here"),
        };
    }

    private sealed record Element(string Name, string? PhysicalType, string? Repetition, int Children, string? ConvertedType, string? LogicalType);
}
