using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>Marks the GLIBCXX_3.4.32 version requirement of an ELF64 shared object weak, in place, same size.</summary>
public class WeakenGlibcxxRequirement : Task
{
    const string Version = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; }
    [Required] public string Mode { get; set; }

    public override bool Execute()
    {
        if (Mode == "auto" && SystemLibstdcxxProvides(Version))
        {
            Log.LogMessage(MessageImportance.Low, "System libstdc++ provides " + Version + "; nothing to patch.");
            return true;
        }
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var bytes = File.ReadAllBytes(path);
                var result = Weaken(bytes);
                if (result == "patched")
                {
                    // Write beside and rename: never writes through a hard link into the NuGet cache.
                    var tmp = path + ".weaken-tmp";
                    File.WriteAllBytes(tmp, bytes);
                    File.Delete(path);
                    File.Move(tmp, path);
                    Log.LogMessage(MessageImportance.High, "TorchNativeFix: marked " + Version + " weak in " + path);
                }
                else
                {
                    Log.LogMessage(MessageImportance.Low, "TorchNativeFix: " + path + ": " + result);
                }
            }
            catch (Exception e)
            {
                Log.LogError("TorchNativeFix: cannot patch " + path + ": " + e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    static bool SystemLibstdcxxProvides(string version)
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib" })
        {
            var lib = Path.Combine(dir, "libstdc++.so.6");
            if (!File.Exists(lib)) continue;
            var text = Encoding.ASCII.GetString(File.ReadAllBytes(lib));
            return text.Contains(version + "\0");
        }
        return false;
    }

    /// <summary>Returns "patched", "already weak" or "no requirement"; throws on a malformed file.</summary>
    public static string Weaken(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a little-endian ELF64 file");
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, (int)sh + 0x2C);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize + 0x18));
            long vn = offset;
            for (int i = 0; i < count; i++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                for (int j = 0; j < auxCount; j++)
                {
                    long name = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadCString(elf, name) == Version)
                    {
                        int flagsAt = (int)aux + 4;
                        ushort flags = BitConverter.ToUInt16(elf, flagsAt);
                        if ((flags & VerFlgWeak) != 0) return "already weak";
                        flags |= VerFlgWeak;
                        elf[flagsAt] = (byte)(flags & 0xff);
                        elf[flagsAt + 1] = (byte)(flags >> 8);
                        return "patched";
                    }
                    uint next = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (next == 0) break;
                    aux += next;
                }
                uint vnNext = BitConverter.ToUInt32(elf, (int)vn + 12);
                if (vnNext == 0) break;
                vn += vnNext;
            }
        }
        return "no requirement";
    }

    static string ReadCString(byte[] bytes, long at)
    {
        int end = (int)at;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)at, end - (int)at);
    }
}
