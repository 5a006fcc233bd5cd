# Multi-stage: build a static binary, run it as a non-root user on a minimal base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/guidebot ./cmd/guidebot \
 && /out/guidebot check

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/guidebot /guidebot
USER nonroot:nonroot
EXPOSE 8080
ENV HTTP_ADDR=:8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/guidebot", "health"]
ENTRYPOINT ["/guidebot"]
CMD ["serve"]
