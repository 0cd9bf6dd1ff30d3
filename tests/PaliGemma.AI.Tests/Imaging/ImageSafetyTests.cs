using SixLabors.ImageSharp.PixelFormats;

namespace PaliGemma.AI.Tests.Imaging;

/// <summary>Untrusted input: limits, bombs, garbage, truncation.</summary>
public sealed class ImageSafetyTests
{
    [Fact]
    public void Decompression_bomb_png_is_refused_from_its_header()
    {
        byte[] bomb = ImagingFixtures.PngHeaderOnly(50_000, 50_000);
        Assert.True(bomb.Length < 200, $"the crafted bomb is {bomb.Length} bytes");

        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(bomb, 224));

        Assert.Equal(ImageErrorReason.TooManyPixels, ex.Reason);
        Assert.Contains("50000x50000 = 2,500,000,000 pixels", ex.Message, StringComparison.Ordinal);
        Assert.Contains("40,000,000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixel_limit_is_enforced_before_any_pixel_buffer_is_allocated()
    {
        // 8000 x 8000 passes MaxDimension but not MaxPixels; decoding would allocate 256 MB of RGBA first.
        byte[] bomb = ImagingFixtures.PngHeaderOnly(8000, 8000);
        PaliGemmaImageProcessor.Identify(bomb); // warm up code paths so the measurement sees only this call

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(bomb, 224));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ImageErrorReason.TooManyPixels, ex.Reason);
        Assert.True(allocated < 1_000_000, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Identify_reads_a_bomb_header_without_decoding()
    {
        ImageInfo info = PaliGemmaImageProcessor.Identify(ImagingFixtures.PngHeaderOnly(50_000, 50_000));

        Assert.Equal((50_000, 50_000, "PNG", "image/png"), (info.Width, info.Height, info.Format, info.MediaType));
        Assert.Equal(2_500_000_000L, info.PixelCount);
    }

    [Fact]
    public void Pixel_limit_comes_from_the_options()
    {
        byte[] png = ImagingFixtures.Png(40, 30, (_, _) => new Rgb24(10, 20, 30));

        var ex = Assert.Throws<PaliGemmaImageException>(
            () => PaliGemmaImageProcessor.Preprocess(png, 8, new ImageLoadOptions { MaxPixels = 1199 }));

        Assert.Equal(ImageErrorReason.TooManyPixels, ex.Reason);
        Assert.Contains("40x30 = 1,200 pixels", ex.Message, StringComparison.Ordinal);
        Assert.Equal(8, PaliGemmaImageProcessor.Preprocess(png, 8, new ImageLoadOptions { MaxPixels = 1200 }).Size);
    }

    [Fact]
    public void Side_longer_than_MaxDimension_is_refused()
    {
        byte[] png = ImagingFixtures.PngHeaderOnly(40_000, 2);

        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(png, 224));

        Assert.Equal(ImageErrorReason.DimensionOutOfRange, ex.Reason);
        Assert.Contains("40000x2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_jpeg_is_reported_as_truncated()
    {
        byte[] jpeg = ImagingFixtures.Read("photo.jpg");
        byte[] cut = jpeg.AsSpan(0, jpeg.Length / 2).ToArray();

        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(cut, 224));

        Assert.Equal(ImageErrorReason.Truncated, ex.Reason);
        Assert.Contains("JPEG", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jpeg_cut_inside_its_header_is_refused()
    {
        byte[] cut = ImagingFixtures.Read("photo.jpg").AsSpan(0, 40).ToArray();

        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(cut, 224));

        Assert.Contains(ex.Reason, new[] { ImageErrorReason.Truncated, ImageErrorReason.Corrupt });
    }

    [Fact]
    public void Non_image_bytes_are_an_unknown_format()
    {
        byte[] text = "this is not an image, just some text"u8.ToArray();

        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(text, 224));

        Assert.Equal(ImageErrorReason.UnknownFormat, ex.Reason);
        Assert.Contains("7468697320697320", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Png_with_corrupt_pixel_data_is_refused()
    {
        byte[] png = ImagingFixtures.Png(64, 64, (x, y) => new Rgb24((byte)x, (byte)y, 7));
        byte[] broken = (byte[])png.Clone();
        for (int i = 60; i < broken.Length - 20; i++)
        {
            broken[i] ^= 0x5A;
        }

        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(broken, 32));

        Assert.Contains(ex.Reason, new[] { ImageErrorReason.Corrupt, ImageErrorReason.Truncated });
    }

    [Fact]
    public void Empty_input_is_refused_by_every_overload()
    {
        string empty = Path.Combine(Path.GetTempPath(), $"empty-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(empty, []);
        try
        {
            Assert.Equal(ImageErrorReason.Empty, Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(Array.Empty<byte>(), 224)).Reason);
            Assert.Equal(ImageErrorReason.Empty, Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(ReadOnlySpan<byte>.Empty, 224)).Reason);
            Assert.Equal(ImageErrorReason.Empty, Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(new MemoryStream(), 224)).Reason);
            var file = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.PreprocessFile(empty, 224));
            Assert.Equal(ImageErrorReason.Empty, file.Reason);
            Assert.Contains(empty, file.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public void Unseekable_stream_longer_than_the_cap_is_refused_after_reading_at_most_cap_plus_one_bytes()
    {
        byte[] png = ImagingFixtures.Read("tiny5x3.png");
        byte[] padded = [.. png, .. new byte[10_000]];
        var stream = new CountingStream(new MemoryStream(padded), seekable: false);
        var options = new ImageLoadOptions { MaxEncodedBytes = 4096 };

        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(stream, 224, options));

        Assert.Equal(ImageErrorReason.EncodedTooLarge, ex.Reason);
        Assert.Contains("4,096", ex.Message, StringComparison.Ordinal);
        Assert.True(stream.BytesRead <= 4097, $"read {stream.BytesRead} bytes");
    }

    [Fact]
    public void Endless_stream_is_refused_instead_of_read_forever()
    {
        var options = new ImageLoadOptions { MaxEncodedBytes = 1 << 20 };

        var ex = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(new EndlessStream(), 224, options));

        Assert.Equal(ImageErrorReason.EncodedTooLarge, ex.Reason);
    }

    [Fact]
    public void Seekable_stream_over_the_cap_is_refused_from_its_length_without_reading()
    {
        var stream = new CountingStream(new MemoryStream(new byte[5000]), seekable: true);

        var ex = Assert.Throws<PaliGemmaImageException>(
            () => PaliGemmaImageProcessor.Preprocess(stream, 224, new ImageLoadOptions { MaxEncodedBytes = 4999 }));

        Assert.Equal(ImageErrorReason.EncodedTooLarge, ex.Reason);
        Assert.Contains("5,000 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.BytesRead);
    }

    [Fact]
    public void Byte_array_and_file_over_the_cap_are_refused()
    {
        byte[] jpeg = ImagingFixtures.Read("photo.jpg");
        var options = new ImageLoadOptions { MaxEncodedBytes = jpeg.Length - 1 };

        Assert.Equal(ImageErrorReason.EncodedTooLarge, Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Preprocess(jpeg, 224, options)).Reason);
        var file = Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.PreprocessFile(ImagingFixtures.PathOf("photo.jpg"), 224, options));
        Assert.Equal(ImageErrorReason.EncodedTooLarge, file.Reason);
        Assert.Contains("photo.jpg", file.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-224)]
    public void Size_must_be_positive(int size)
    {
        byte[] png = ImagingFixtures.Read("tiny5x3.png");

        Assert.Throws<ArgumentOutOfRangeException>(() => PaliGemmaImageProcessor.Preprocess(png, size));
        Assert.Throws<ArgumentOutOfRangeException>(() => PaliGemmaImageProcessor.Preprocess(new MemoryStream(png), size));
        Assert.Throws<ArgumentOutOfRangeException>(() => PaliGemmaImageProcessor.PreprocessFile(ImagingFixtures.PathOf("tiny5x3.png"), size));
    }

    [Fact]
    public void Missing_file_throws_FileNotFoundException_naming_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.png");

        var ex = Assert.Throws<FileNotFoundException>(() => PaliGemmaImageProcessor.PreprocessFile(path, 224));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(ImageLoadOptions.MaxEncodedBytes), 0L)]
    [InlineData(nameof(ImageLoadOptions.MaxEncodedBytes), 3_000_000_000L)]
    [InlineData(nameof(ImageLoadOptions.MaxPixels), 0L)]
    [InlineData(nameof(ImageLoadOptions.MaxPixels), -1L)]
    [InlineData(nameof(ImageLoadOptions.MaxDimension), 0L)]
    [InlineData(nameof(ImageLoadOptions.MaxDimension), 70_000L)]
    public void Options_reject_out_of_range_values(string property, long value)
    {
        var options = new ImageLoadOptions();

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            switch (property)
            {
                case nameof(ImageLoadOptions.MaxEncodedBytes): options.MaxEncodedBytes = value; break;
                case nameof(ImageLoadOptions.MaxPixels): options.MaxPixels = value; break;
                default: options.MaxDimension = (int)value; break;
            }
        });

        Assert.Equal(property, ex.ParamName);
    }

    [Fact]
    public void Options_have_the_documented_defaults()
    {
        var options = new ImageLoadOptions();

        Assert.Equal(32L * 1024 * 1024, options.MaxEncodedBytes);
        Assert.Equal(40_000_000L, options.MaxPixels);
        Assert.Equal(32_768, options.MaxDimension);
        Assert.Equal(TransparencyMode.DropAlpha, options.Transparency);
    }

    [Fact]
    public void Options_reject_an_undefined_transparency_mode()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageLoadOptions { Transparency = (TransparencyMode)7 });

        Assert.Equal(nameof(ImageLoadOptions.Transparency), ex.ParamName);
    }

    private sealed class CountingStream(Stream inner, bool seekable) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => seekable;

        public override bool CanWrite => false;

        public override long Length => seekable ? inner.Length : throw new NotSupportedException();

        public override long Position
        {
            get => seekable ? inner.Position : throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill(0x42);
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
