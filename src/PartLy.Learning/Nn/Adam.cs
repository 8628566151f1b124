namespace PartLy.Learning.Nn;

/// <summary>Adam over a flat parameter vector. Gradient clipping is the caller's (see <see cref="ClipScale"/>).</summary>
public sealed class Adam(int parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-5)
{
    private readonly float[] _m = new float[parameters];
    private readonly float[] _v = new float[parameters];
    private long _step;

    /// <summary>The factor that brings the global norm of several gradients down to <paramref name="maxNorm"/>, and that norm.</summary>
    public static (float Scale, double Norm) ClipScale(double maxNorm, params float[][] gradients)
    {
        double sum = 0;
        foreach (var g in gradients) foreach (float x in g) sum += (double)x * x;
        double norm = Math.Sqrt(sum);
        return (maxNorm > 0 && norm > maxNorm ? (float)(maxNorm / norm) : 1f, norm);
    }

    /// <summary>Writes the moments and the step count (a learner's state, to go on after a failover).</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(_step);
        writer.Write(_m.Length);
        foreach (float x in _m) writer.Write(x);
        foreach (float x in _v) writer.Write(x);
    }

    public void Read(BinaryReader reader)
    {
        _step = reader.ReadInt64();
        int n = reader.ReadInt32();
        if (n != _m.Length) throw new InvalidDataException($"Adam state for {n} parameters, this network has {_m.Length}");
        for (int i = 0; i < n; i++) _m[i] = reader.ReadSingle();
        for (int i = 0; i < n; i++) _v[i] = reader.ReadSingle();
    }

    public void Step(float[] parameters, ReadOnlySpan<float> gradient, double learningRate, float gradientScale = 1f)
    {
        _step++;
        double correction1 = 1 - Math.Pow(beta1, _step), correction2 = 1 - Math.Pow(beta2, _step);
        float stepSize = (float)(learningRate * Math.Sqrt(correction2) / correction1);
        float b1 = (float)beta1, b2 = (float)beta2, eps = (float)(epsilon * Math.Sqrt(correction2));
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradient[i] * gradientScale;
            _m[i] = b1 * _m[i] + (1 - b1) * g;
            _v[i] = b2 * _v[i] + (1 - b2) * g * g;
            parameters[i] -= stepSize * _m[i] / (MathF.Sqrt(_v[i]) + eps);
        }
    }
}
