namespace PaliGemma.AI;

/// <summary>
/// An axis-aligned box in pixel coordinates of the original image (origin top-left, x to the right, y down).
/// </summary>
/// <param name="Left">The x coordinate of the left edge, in pixels.</param>
/// <param name="Top">The y coordinate of the top edge, in pixels.</param>
/// <param name="Right">The x coordinate of the right edge, in pixels.</param>
/// <param name="Bottom">The y coordinate of the bottom edge, in pixels.</param>
public readonly record struct BoundingBox(float Left, float Top, float Right, float Bottom)
{
    /// <summary>Gets the width of the box (<see cref="Right"/> − <see cref="Left"/>).</summary>
    public float Width => Right - Left;

    /// <summary>Gets the height of the box (<see cref="Bottom"/> − <see cref="Top"/>).</summary>
    public float Height => Bottom - Top;

    /// <summary>Gets the area of the box in square pixels, or 0 when the box is empty.</summary>
    public float Area => Width > 0 && Height > 0 ? Width * Height : 0f;
}
