using DuckDB.NET.Data;
using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>Reads a job directory's Parquet shards with DuckDB, an independent reader (<c>read_parquet('JOBDIR/data/*.parquet')</c>).</summary>
public sealed class BuiltDataset : IDisposable
{
    private readonly DuckDBConnection _db;

    public BuiltDataset(string jobDir)
    {
        Glob = Path.Combine(jobDir, "data", "*.parquet").Replace("'", "''");
        _db = new DuckDBConnection("DataSource=:memory:");
        _db.Open();
    }

    private string Glob { get; }

    private string Source => $"read_parquet('{Glob}')";

    public long Count() => Convert.ToInt64(Scalar($"SELECT count(*) FROM {Source}"));

    /// <summary>Column names and DuckDB types, in file order.</summary>
    public IReadOnlyList<(string Name, string Type)> Columns() =>
        Query($"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {Source})")
            .Select(r => ((string)r[0]!, (string)r[1]!)).ToList();

    /// <summary>Every row, ordered by <c>index</c>.</summary>
    public IReadOnlyList<BuiltRow> Rows() =>
        Query($"SELECT \"index\", label, source_label, start_index, pixels, image.bytes, image.path, attack_success, distance FROM {Source} ORDER BY \"index\"")
            .Select(r => new BuiltRow(
                (long)r[0]!, checked((int)(long)r[1]!), checked((int)(long)r[2]!), (long?)r[3], (byte[])r[4]!, (byte[])r[5]!, (string?)r[6], (bool)r[7]!, (float)r[8]!))
            .ToList();

    /// <summary>Each shard file's key-value metadata, by file name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> KeyValueMetadata() =>
        Query($"SELECT file_name, key, value FROM parquet_kv_metadata('{Glob}')")
            .GroupBy(r => Path.GetFileName((string)r[0]!))
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(r => Utf8(r[1]), r => Utf8(r[2])));

    public void Dispose() => _db.Dispose();

    private object? Scalar(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private List<object?[]> Query(string sql) => DuckDbRows.Query(_db, sql);

    private static string Utf8(object? value) => DuckDbRows.Utf8(value);
}
