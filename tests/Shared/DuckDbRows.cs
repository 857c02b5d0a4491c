using System.Text;
using DuckDB.NET.Data;

namespace StreamPipeline.Tests.Shared;

/// <summary>DuckDB as the independent Parquet reader of the tests: query results as plain values.</summary>
public static class DuckDbRows
{
    /// <summary>The first column of the first row.</summary>
    public static object? Scalar(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    /// <summary>All rows, BLOBs as byte[], NULL as null.</summary>
    public static List<object?[]> Query(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                if (reader.IsDBNull(i))
                    continue;
                row[i] = reader.GetValue(i) switch
                {
                    Stream s => ReadAll(s),
                    var v => v,
                };
            }
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>A key-value metadata value (DuckDB returns BLOB or VARCHAR) as text.</summary>
    public static string Utf8(object? value) => value switch
    {
        byte[] b => Encoding.UTF8.GetString(b),
        string s => s,
        _ => throw new InvalidOperationException($"unexpected metadata value {value}"),
    };

    private static byte[] ReadAll(Stream s)
    {
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
