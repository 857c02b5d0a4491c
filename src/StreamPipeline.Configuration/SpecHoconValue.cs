namespace StreamPipeline.Configuration;

/// <summary>
/// A resolved spec value. <see cref="Size"/> counts characters and values as if every substitution were copied out
/// (what Akka's object model will hold), so a spec that doubles itself through substitutions is refused before it
/// is built; <see cref="Depth"/> bounds the nesting substitutions can add.
/// </summary>
internal abstract class SpecHoconValue(long size, int depth)
{
    public long Size { get; } = size;

    public int Depth { get; } = depth;

    public sealed class Text(string value) : SpecHoconValue(1 + value.Length, 0)
    {
        public string Value { get; } = value;
    }

    public sealed class List(IReadOnlyList<SpecHoconValue> items)
        : SpecHoconValue(1 + items.Sum(i => i.Size), 1 + (items.Count == 0 ? 0 : items.Max(i => i.Depth)))
    {
        public IReadOnlyList<SpecHoconValue> Items { get; } = items;
    }

    public sealed class Object(OrderedDictionary<string, SpecHoconValue> fields)
        : SpecHoconValue(1 + fields.Sum(f => f.Key.Length + f.Value.Size), 1 + (fields.Count == 0 ? 0 : fields.Max(f => f.Value.Depth)))
    {
        public OrderedDictionary<string, SpecHoconValue> Fields { get; } = fields;

        public SpecHoconValue? Get(string key) => Fields.GetValueOrDefault(key);

        /// <summary><paramref name="later"/> over this: fields of both objects merge, anything else is replaced.</summary>
        public Object MergedWith(Object later)
        {
            var fields = new OrderedDictionary<string, SpecHoconValue>(Fields, StringComparer.Ordinal);
            foreach (var (k, v) in later.Fields)
                fields[k] = fields.TryGetValue(k, out var earlier) && earlier is Object a && v is Object b ? a.MergedWith(b) : v;
            return new Object(fields);
        }
    }
}
