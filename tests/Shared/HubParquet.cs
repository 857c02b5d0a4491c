using System.Text.Json.Nodes;
using DuckDB.NET.Data;

namespace StreamPipeline.Tests.Shared;

/// <summary>
/// Writes Parquet files in the layout of the Hugging Face Hub's exports with DuckDB, a writer independent of the
/// program: an image column <c>struct&lt;bytes: BLOB, path: VARCHAR&gt;</c> (path null), an integer label column and the
/// <c>huggingface</c> features metadata (<c>COPY … (FORMAT PARQUET, KV_METADATA {huggingface: '…'})</c>).
/// </summary>
public static class HubParquet
{
    /// <summary>One row: the encoded image (null for a null image struct) and the label (null for a null label).</summary>
    public sealed record Row(byte[]? Image, long? Label);

    /// <summary>The metadata <c>datasets</c> writes for an Image column and a ClassLabel column (no ClassLabel when <paramref name="classNames"/> is null).</summary>
    public static string Features(string imageColumn = "img", string labelColumn = "label", IReadOnlyList<string>? classNames = null)
    {
        var features = new JsonObject { [imageColumn] = new JsonObject { ["_type"] = "Image" } };
        features[labelColumn] = classNames is null
            ? new JsonObject { ["dtype"] = "int64", ["_type"] = "Value" }
            : new JsonObject { ["names"] = new JsonArray([.. classNames.Select(n => (JsonNode?)n)]), ["_type"] = "ClassLabel" };
        return new JsonObject { ["info"] = new JsonObject { ["features"] = features } }.ToJsonString();
    }

    /// <summary>
    /// Writes <paramref name="rows"/> to <paramref name="path"/>; <paramref name="huggingface"/> null writes no metadata.
    /// DuckDB cuts row groups at multiples of 2,048 rows, whatever <paramref name="rowGroupSize"/> asks.
    /// </summary>
    public static void Write(string path, IReadOnlyList<Row> rows, string? huggingface, string imageColumn = "img", string labelColumn = "label",
        string labelType = "BIGINT", int rowGroupSize = 122_880)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        Execute(db, "SET threads = 1");
        Execute(db, $"CREATE TABLE t (n INTEGER, img STRUCT(bytes BLOB, path VARCHAR), label {labelType})");
        // Hex literals keep the statement free of parameters; the fixtures are small.
        foreach (var chunk in rows.Select((r, i) => (r, i)).Chunk(500))
        {
            var values = chunk.Select(x =>
                $"({x.i}, {(x.r.Image is null ? "NULL" : $"{{'bytes': from_hex('{Convert.ToHexString(x.r.Image)}'), 'path': NULL::VARCHAR}}")}, {(x.r.Label is { } l ? l.ToString(System.Globalization.CultureInfo.InvariantCulture) : "NULL")})");
            Execute(db, $"INSERT INTO t VALUES {string.Join(", ", values)}");
        }
        var metadata = huggingface is null ? "" : $", KV_METADATA {{huggingface: '{huggingface.Replace("'", "''")}'}}";
        Execute(db,
            $"COPY (SELECT img AS \"{imageColumn}\", label AS \"{labelColumn}\" FROM t ORDER BY n) TO '{path.Replace("'", "''")}' " +
            $"(FORMAT PARQUET, ROW_GROUP_SIZE {rowGroupSize}{metadata})");
    }

    /// <summary>The number of row groups DuckDB wrote into <paramref name="path"/>.</summary>
    public static long RowGroups(string path)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        return Convert.ToInt64(DuckDbRows.Scalar(db, $"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{path.Replace("'", "''")}')"));
    }

    private static void Execute(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
