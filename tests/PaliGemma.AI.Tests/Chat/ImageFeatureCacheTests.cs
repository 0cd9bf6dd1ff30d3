namespace PaliGemma.AI.Tests.Chat;

public sealed class ImageFeatureCacheTests
{
    private static ImageFeatureCache.Key Key(byte b) => ImageFeatureCache.CreateKey([b, 1, 2], "m", 224);

    [Fact]
    public void Same_bytes_model_and_size_give_the_same_key_and_others_differ()
    {
        Assert.Equal(Key(1), Key(1));
        Assert.NotEqual(Key(1), Key(2));
        Assert.NotEqual(ImageFeatureCache.CreateKey([1], "m", 224), ImageFeatureCache.CreateKey([1], "other", 224));
        Assert.NotEqual(ImageFeatureCache.CreateKey([1], "m", 224), ImageFeatureCache.CreateKey([1], "m", 448));
    }

    [Fact]
    public void Least_recently_used_entry_is_evicted_first()
    {
        var cache = new ImageFeatureCache(2);
        cache.Add(Key(1), [1f]);
        cache.Add(Key(2), [2f]);
        Assert.True(cache.TryGet(Key(1), out _)); // 1 is now the most recent
        cache.Add(Key(3), [3f]);

        Assert.True(cache.TryGet(Key(1), out var one));
        Assert.Equal([1f], one);
        Assert.False(cache.TryGet(Key(2), out _));
        Assert.True(cache.TryGet(Key(3), out _));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Capacity_zero_keeps_nothing()
    {
        var cache = new ImageFeatureCache(0);
        cache.Add(Key(1), [1f]);
        Assert.False(cache.Enabled);
        Assert.False(cache.TryGet(Key(1), out _));
    }

    [Fact]
    public void Concurrent_adds_and_reads_never_exceed_capacity()
    {
        var cache = new ImageFeatureCache(8);
        Parallel.For(0, 2000, i =>
        {
            var key = Key((byte)(i % 32));
            if (!cache.TryGet(key, out _))
            {
                cache.Add(key, [i]);
            }
        });
        Assert.InRange(cache.Count, 1, 8);
    }
}
