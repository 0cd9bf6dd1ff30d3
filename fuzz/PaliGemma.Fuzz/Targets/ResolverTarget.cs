using System.Text;
using Microsoft.Extensions.AI;
using PaliGemma.AI;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The image-reference resolver of the agent tools on an arbitrary reference (UTF-8). Fixture (made once, under
/// <c>/dev/shm/pg-fuzz-resolver</c> or the temp folder): an allowed root holding <c>a.bmp</c>, <c>sub/b.bmp</c>, a link
/// <c>link-out.bmp</c> to a file outside the root, a link <c>linkdir</c> to the root's parent, and an empty file; a
/// <c>secret.bmp</c> next to the root; one image registered in an in-memory store. URLs are not allowed (no network).
/// Only <see cref="ImageReferenceException"/> may escape, and the secret file's bytes must never come back.
/// </summary>
internal static class ResolverTarget
{
    private static readonly Fixture State = new();

    public static void Run(ReadOnlySpan<byte> data)
    {
        string reference = Encoding.UTF8.GetString(data);
        try
        {
            DataContent image = State.Resolver.ResolveAsync(reference).AsTask().GetAwaiter().GetResult();
            if (!reference.TrimStart().StartsWith("data:", StringComparison.OrdinalIgnoreCase) && image.Data.Span.SequenceEqual(State.Secret))
            {
                throw new InvariantException($"'{reference}' resolved to the file outside the allowed root");
            }
        }
        catch (ImageReferenceException)
        {
        }
    }

    private sealed class Fixture
    {
        public Fixture()
        {
            string baseFolder = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "pg-fuzz-resolver");
            string root = Path.Combine(baseFolder, "root");
            Directory.CreateDirectory(Path.Combine(root, "sub"));
            Secret = Bmp(9);
            File.WriteAllBytes(Path.Combine(baseFolder, "secret.bmp"), Secret);
            File.WriteAllBytes(Path.Combine(root, "a.bmp"), Bmp(1));
            File.WriteAllBytes(Path.Combine(root, "sub", "b.bmp"), Bmp(2));
            File.WriteAllBytes(Path.Combine(root, "empty.bmp"), []);
            Link(Path.Combine(root, "link-out.bmp"), Path.Combine(baseFolder, "secret.bmp"));
            Link(Path.Combine(root, "linkdir"), baseFolder);
            var store = new InMemoryImageStore();
            store.Add(Bmp(3));
            var options = new PaliGemmaToolOptions { MaxImageBytes = 1 << 20, UseConversationImage = false };
            options.AllowedRoots.Add(root);
            Resolver = new ImageReferenceResolver(store, options);
        }

        public ImageReferenceResolver Resolver { get; }

        public byte[] Secret { get; }

        private static void Link(string path, string target)
        {
            if (!File.Exists(path) && !Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
            {
                File.CreateSymbolicLink(path, target);
            }
        }

        /// <summary>A valid 2×1 24-bit BMP whose first pixel is <paramref name="seed"/> (BMP: no checksums to compute).</summary>
        private static byte[] Bmp(byte seed)
        {
            byte[] bmp = new byte[54 + 8];
            "BM"u8.CopyTo(bmp);
            BitConverter.TryWriteBytes(bmp.AsSpan(2), bmp.Length);
            BitConverter.TryWriteBytes(bmp.AsSpan(10), 54);
            BitConverter.TryWriteBytes(bmp.AsSpan(14), 40);
            BitConverter.TryWriteBytes(bmp.AsSpan(18), 2);
            BitConverter.TryWriteBytes(bmp.AsSpan(22), 1);
            BitConverter.TryWriteBytes(bmp.AsSpan(26), (short)1);
            BitConverter.TryWriteBytes(bmp.AsSpan(28), (short)24);
            BitConverter.TryWriteBytes(bmp.AsSpan(34), 8);
            bmp[54] = seed;
            bmp[57] = 255;
            return bmp;
        }
    }
}
