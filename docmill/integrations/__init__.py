"""Loaders that give docmill's chunks to RAG libraries: `docmill.integrations.langchain`
(LangChain Documents) and `docmill.integrations.llamaindex` (LlamaIndex TextNodes). Each needs
its library: `pip install 'docmill[langchain]'` or `'docmill[llamaindex]'` (docs/CHUNKS.md)."""
